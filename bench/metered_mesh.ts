/**
 * A mesh with the meter (bench/metered.ts) under wrangler dev: the config is wrangler.toml's own,
 * only its entry replaced, so bindings, variables and crons stay those of the mesh whatever they
 * become.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { applyMigrations, freePort, httpGet, ROOT, startWorker } from "../scripts/mesh.ts";
import type { MeterReading } from "./meter.ts";

export interface MeteredMesh {
  url: string;
  /** The wrangler process (its workerd below it). */
  pid: number;
  /** Fires a cron trigger once, as Cloudflare would. */
  fire(cron: string): Promise<void>;
  /** The counts so far; `reset` starts them afresh after reading. */
  meter(reset?: boolean): Promise<MeterReading>;
  /** The Worker's output so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** wrangler.toml with the metered entry, written into `dir`; its path relative to the repository, as startWorker takes it. */
function meteredConfig(dir: string): string {
  const text = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  if (!/^main = "src\/index.ts"$/m.test(text))
    throw new Error('wrangler.toml no longer has main = "src/index.ts": update bench/metered_mesh.ts');
  const copy = text
    .replace(/^main = .*$/m, `main = ${JSON.stringify(join(ROOT, "bench", "metered.ts"))}`)
    .replace(/^migrations_dir = "(.*)"$/gm, (_line, dir: string) => `migrations_dir = ${JSON.stringify(join(ROOT, dir))}`);
  const path = join(dir, "wrangler.metered.toml");
  writeFileSync(path, copy);
  return relative(ROOT, path);
}

export async function startMeteredMesh(persistDir: string, vars: Record<string, string>): Promise<MeteredMesh> {
  const config = meteredConfig(mkdtempSync(join(persistDir, "config-")));
  applyMigrations(persistDir, config);
  const sink: string[] = [];
  const port = await freePort();
  const worker = await startWorker(
    { config, port, persistDir, vars: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...vars }, readyPath: "/healthz/livez" },
    sink,
  );
  return {
    url: worker.url,
    pid: worker.pid,
    // httpGet: no time limit; the scheduled handler answers when the whole fan-out is done.
    fire: async (cron) => {
      const res = await httpGet(`${worker.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`);
      if (res.status !== 200) throw new Error(`cron "${cron}" failed: ${res.status} ${res.body.toString()}\n${sink.join("").slice(-4000)}`);
    },
    meter: async (reset = false) => {
      const res = await httpGet(`${worker.url}/__meter${reset ? "?reset=1" : ""}`);
      if (res.status !== 200) throw new Error(`/__meter answered ${res.status}: ${res.body.toString().slice(0, 500)}`);
      return JSON.parse(res.body.toString()) as MeterReading;
    },
    logs: () => sink.join(""),
    stop: () => worker.stop(),
  };
}
