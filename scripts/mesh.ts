/**
 * Runs the mesh and the plane simulator under `wrangler dev` on this machine: used by
 * `npm start`, the end-to-end tests and the benchmark, so there is one way to bring it up.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/**
 * No account and no network: keep wrangler from phoning home. The project's own Node (the
 * `node` devDependency, which wrangler needs) goes first on the PATH however this was started.
 */
const WRANGLER_ENV = {
  ...process.env,
  PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

export interface MeshOptions {
  /** Port of the mesh; 0 picks a free one. */
  port?: number;
  /** Port of the simulator; 0 picks a free one. */
  simulatorPort?: number;
  /** Where D1 and Durable Object state live; a fresh temporary directory by default. */
  persistDir?: string;
  /** Variables and secrets of the mesh (PLANES_CONFIG, API keys, …), passed through an env file. */
  vars?: Record<string, string>;
  /** Variables of the simulator (SIM_API_KEY, SIM_FAULTS, …). */
  simulatorVars?: Record<string, string>;
  /** Where the processes' output goes: "inherit" for a terminal, otherwise collected. */
  output?: "inherit" | "collect";
}

export interface RunningMesh {
  url: string;
  simulatorUrl: string;
  persistDir: string;
  /** Fires the minute cron once, as Cloudflare would every minute. */
  tick(): Promise<void>;
  /** Fires a cron trigger of wrangler.toml once (the hourly maintenance, …). */
  fire(cron: string): Promise<void>;
  /** Output of both processes so far (when collected). */
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Quotes a value for wrangler's dotenv parser, which takes quoted text literally except `\n` in "…". */
function dotenvValue(key: string, value: string): string {
  const quote = ["'", "`"].find((q) => !value.includes(q));
  if (quote === undefined) throw new Error(`${key} holds both ' and \`: it cannot be passed through an env file`);
  return `${quote}${value}${quote}`;
}

function envFile(dir: string, name: string, vars: Record<string, string>): string {
  const path = join(dir, name);
  const lines = Object.entries(vars).map(([k, v]) => `${k}=${dotenvValue(k, v)}`);
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return path;
}

/** Applies the D1 migrations to the local database in `persistDir`. */
export function applyMigrations(persistDir: string): void {
  const run = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], {
    cwd: ROOT,
    env: { ...WRANGLER_ENV, CI: "true" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`applying D1 migrations failed:\n${run.stdout}\n${run.stderr}`);
}

async function waitUntilUp(url: string, child: ChildProcess, logs: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${logs()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms:\n${logs()}`);
}

function wranglerDev(args: string[], output: "inherit" | "collect", sink: string[]): ChildProcess {
  const child = spawn(WRANGLER, ["dev", "--ip", "127.0.0.1", "--inspector-port", "0", "--show-interactive-dev-session=false", ...args], {
    cwd: ROOT,
    env: WRANGLER_ENV,
    detached: true,
    stdio: output === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => sink.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => sink.push(d.toString()));
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    try {
      process.kill(-child.pid!, "SIGTERM"); // the whole group: wrangler and its workerd
    } catch {
      done();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5_000).unref();
  });
}

export async function startMesh(options: MeshOptions = {}): Promise<RunningMesh> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "planewatch-"));
  mkdirSync(persistDir, { recursive: true });
  const port = options.port || (await freePort());
  const simulatorPort = options.simulatorPort || (await freePort());
  const output = options.output ?? "collect";
  const sink: string[] = [];
  const logs = () => sink.join("");
  const url = `http://127.0.0.1:${port}`;
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;

  applyMigrations(persistDir);
  const secretsDir = mkdtempSync(join(tmpdir(), "planewatch-env-"));
  const simulator = wranglerDev(
    // Its own state directory: two workerd processes cannot share one.
    ["-c", "wrangler.simulator.toml", "--port", String(simulatorPort), "--persist-to", join(persistDir, "simulator"),
      "--env-file", envFile(secretsDir, "simulator.env", options.simulatorVars ?? {})],
    output,
    sink,
  );
  const mesh = wranglerDev(
    ["-c", "wrangler.toml", "--port", String(port), "--persist-to", persistDir,
      "--env-file", envFile(secretsDir, "mesh.env", { PUBLIC_URL: url, ...options.vars })],
    output,
    sink,
  );
  const stop = async () => {
    await Promise.all([kill(mesh), kill(simulator)]);
  };
  try {
    await Promise.all([waitUntilUp(`${simulatorUrl}/`, simulator, logs), waitUntilUp(`${url}/healthz/livez`, mesh, logs)]);
  } catch (error) {
    await stop();
    throw error;
  }
  const fire = async (cron: string) => {
    const res = await fetch(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`);
    const body = await res.text();
    if (!res.ok) throw new Error(`cron "${cron}" failed: ${res.status} ${body}\n${logs().slice(-4000)}`);
  };
  return { url, simulatorUrl, persistDir, logs, stop, fire, tick: () => fire("* * * * *") };
}
