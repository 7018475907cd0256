/** What the sections share: mesh configs of many planes, waiting, reading the exposition. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startMesh, type RunningMesh } from "../scripts/mesh.ts";

/**
 * Runs a mesh on a fresh state directory in memory, where the machine has /dev/shm (local
 * Durable Objects and D1 are SQLite files synced on every commit, and on a shared disk other
 * processes' writes would set the pace rather than the mesh), and removes it afterwards: a
 * mesh of 5,000 planes leaves about a gigabyte.
 */
export async function withMesh<T>(vars: Record<string, string>, use: (mesh: RunningMesh) => Promise<T>): Promise<T> {
  const persistDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "planewatch-bench-"));
  try {
    const mesh = await startMesh({ persistDir, vars });
    try {
      return await use(mesh);
    } finally {
      await mesh.stop();
    }
  } finally {
    rmSync(persistDir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 100 ms until it holds; fails after `timeoutMs` saying what it waited for. */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A PLANES_CONFIG of `count` planes, each with one HTTP probe of `url` from `regions`. */
export function httpPlanes(
  count: number,
  url: (i: number) => string,
  options: {
    regions?: string[];
    periodSeconds?: number;
    timeoutSeconds?: number;
    /** HTTP probes of each plane, all of the same URL (default 1). */
    probesPerPlane?: number;
    id?: (i: number) => string;
    initialDelaySeconds?: (i: number) => number;
  } = {},
): string {
  return JSON.stringify({
    planes: Array.from({ length: count }, (_, i) => ({
      id: options.id?.(i) ?? `bench-${i}`,
      regions: options.regions ?? ["wnam", "weur", "apac"],
      // Long enough that no result expires while a large round is still landing.
      statusTtlSeconds: 3600,
      probes: Array.from({ length: options.probesPerPlane ?? 1 }, (_, p) => ({
        kind: "http",
        name: p === 0 ? "http" : `http-${p + 1}`,
        url: url(i),
        periodSeconds: options.periodSeconds ?? 60,
        initialDelaySeconds: options.initialDelaySeconds?.(i) ?? 0,
        timeoutSeconds: options.timeoutSeconds ?? 5,
      })),
    })),
  });
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric (exact name, no suffix) in a Prometheus text exposition. */
export function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const match of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)`, "gm"))) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    found.push({ labels, value: Number(match[2]) });
  }
  return found;
}

/** The local D1 database of a `wrangler dev` state directory, opened beside the running Worker. */
export function localD1(persistDir: string): DatabaseSync {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite"));
  if (!file) throw new Error(`no D1 database in ${dir}`);
  return new DatabaseSync(join(dir, file));
}
