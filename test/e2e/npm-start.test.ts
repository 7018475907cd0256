/**
 * `npm start` as a user runs it: a `.dev.vars` of their own laid over the demo's variables, and
 * a stop on the first SIGINT or SIGTERM that leaves no process of its Workers behind, whatever
 * state they were in. Processes are found in /proc: every process group below npm.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/mesh.ts";

const OWN_KEY = "own-plane-key-3c9e1f7a";
/** Up to two wrangler dev start-ups on a small shared machine, then the checks. */
const TIMEOUT_MS = 400_000;

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

/** Every process on the machine, from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      found.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid) });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/** The process groups of every process below `root` (npm, node, each wrangler group). */
function groupsBelow(root: number): Set<number> {
  const all = processes();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return new Set(all.filter((p) => below.has(p.pid)).map((p) => p.pgid));
}

const alive = (groups: Set<number>) => processes().filter((p) => groups.has(p.pgid));

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let started: Started | undefined;
let target: Server | undefined;

/** `npm start` in its own process group, on free ports, with its own state and variables file. */
function npmStart(devVars: string): Started {
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      SIMULATOR_PORT: "0",
      TICK_SECONDS: "3",
      DEV_VARS: devVars,
      STATE_DIR: mkdtempSync(join(tmpdir(), "planewatch-start-")),
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout!.on("data", (d: Buffer) => chunks.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  started = { child, output: () => chunks.join(""), exited };
  return started;
}

/** Signals npm's whole group, as a terminal or a supervisor does, and checks nothing below it outlives the stop. */
async function stopAndCheck(run: Started, signal: NodeJS.Signals): Promise<void> {
  const groups = groupsBelow(run.child.pid!);
  expect(groups.size).toBeGreaterThan(1);
  process.kill(-run.child.pid!, signal);
  await waitFor("npm start to exit", () => (run.child.exitCode !== null || run.child.signalCode !== null ? true : undefined), 30_000);
  // The stop ends each group before node exits; a moment for the kernel to reap the last ones.
  await waitFor("every process of its Workers to be gone", () => (alive(groups).length === 0 ? true : undefined), 5_000).catch(() => {
    throw new Error(`left running after ${signal}: ${JSON.stringify(alive(groups))}\n${run.output().slice(-3000)}`);
  });
}

afterEach(async () => {
  if (started && started.child.exitCode === null && started.child.signalCode === null) {
    try {
      process.kill(-started.child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
  started = undefined;
  target?.closeAllConnections();
  target?.close();
  target = undefined;
});

/** A plane of the user's own: answers predictions, and notes the API key each one came with. */
function startOwnPlane(): Promise<{ port: number; keys: string[] }> {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/predict") keys.push(String(req.headers.authorization));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", echo: { text: "ping" } }));
  });
  target = server;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as { port: number }).port, keys })),
  );
}

describe("npm start", () => {
  it(
    "probes the planes of the user's .dev.vars with its secret, not the demo's, and stops on the first SIGINT",
    async () => {
      const own = await startOwnPlane();
      const config = {
        planes: [
          {
            id: "own-plane",
            baseUrl: `http://127.0.0.1:${own.port}`,
            apiKeySecret: "OWN_PLANE_KEY",
            regions: ["wnam"],
            probes: [{ kind: "sync_predict", input: { text: "ping" }, expect: { json: { status: "ok" } }, periodSeconds: 2 }],
          },
        ],
      };
      const devVars = join(mkdtempSync(join(tmpdir(), "planewatch-vars-")), ".dev.vars");
      writeFileSync(devVars, `PLANES_CONFIG='${JSON.stringify(config)}'\nOWN_PLANE_KEY=${OWN_KEY}\n`);
      const run = npmStart(devVars);
      const url = await waitFor(
        "the mesh's address",
        () => /\[planewatch\] mesh +(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1],
        300_000,
      );
      expect(run.output()).toContain("OWN_PLANE_KEY");
      expect(run.output()).not.toContain(OWN_KEY);

      await waitFor("a probe of the user's plane", () => (own.keys.length > 0 ? true : undefined), 60_000);
      expect(own.keys[0]).toBe(`Api-Key ${OWN_KEY}`);
      const status = await (await fetch(`${url}/api/v1/status`)).text();
      expect(status).toContain("own-plane");
      expect(status).not.toContain("demo-");

      await stopAndCheck(run, "SIGINT");
    },
    TIMEOUT_MS,
  );

  it(
    "stops on the first SIGTERM while its Workers are still starting",
    async () => {
      const devVars = join(mkdtempSync(join(tmpdir(), "planewatch-vars-")), ".dev.vars");
      writeFileSync(devVars, "");
      const run = npmStart(devVars);
      // Both wrangler groups spawned (npm's own group, and one per Worker), neither serving yet.
      await waitFor("the Workers to be spawned", () => (groupsBelow(run.child.pid!).size >= 3 ? true : undefined), 120_000);
      expect(run.output()).not.toContain("[planewatch] mesh ");
      await stopAndCheck(run, "SIGTERM");
    },
    TIMEOUT_MS,
  );
});
