/**
 * Runs the mesh and the plane simulator under `wrangler dev` on this machine: used by
 * `npm start`, the end-to-end tests and the benchmark, so there is one way to bring it up.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { get, type IncomingHttpHeaders } from "node:http";
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
  // wrangler dev's local trace collector is a streaming tail Worker on the mesh's own thread: it
  // handles every alarm, RPC and fetch again, about a sixth of the mesh's CPU at a few hundred planes.
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
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
  /** The mesh's wrangler process (see RunningWorker). */
  pid: number;
  /** Fires the minute cron once, as Cloudflare would every minute. */
  tick(): Promise<void>;
  /** Fires a cron trigger of wrangler.toml once (the hourly maintenance, …). */
  fire(cron: string): Promise<void>;
  /** Output of both processes so far (when collected). */
  logs(): string;
  /** Kills the mesh's wrangler and workerd at once (SIGKILL), as a crash or a lost host would; the simulator stays. */
  crash(): Promise<void>;
  /** Starts the mesh again on the same port and persisted state, after crash() or stop(). */
  restart(): Promise<void>;
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

/**
 * wrangler dev loads an --env-file into its own environment, and no single value over 128 KiB
 * passes from there to workerd (starting it fails with E2BIG). Values past this size (the
 * PLANES_CONFIG of thousands of planes) go into the [vars] of a copy of the config instead.
 */
const LARGEST_ENV_FILE_VALUE = 64 * 1024;

/** A copy of `config` in `dir` with `vars` added to its [vars], its paths made absolute. */
function configWithVars(config: string, vars: Record<string, string>, dir: string): string {
  const original = join(ROOT, config);
  let text = readFileSync(original, "utf8").replace(
    /^(main|migrations_dir) = "(.*)"$/gm,
    (_line, key: string, path: string) => `${key} = ${JSON.stringify(resolve(dirname(original), path))}`,
  );
  if (!/^\[vars\]$/m.test(text)) text += "\n[vars]\n";
  // A JSON string is a TOML basic string.
  const lines = Object.entries(vars).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  text = text.replace(/^\[vars\]$/m, `[vars]\n${lines.join("\n")}`);
  const copy = join(dir, "wrangler.toml");
  writeFileSync(copy, text, { mode: 0o600 });
  return copy;
}

/** Applies the D1 migrations to the local database in `persistDir` (of the DB binding of `config`). */
export function applyMigrations(persistDir: string, config = "wrangler.toml"): void {
  const run = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "-c", config, "--persist-to", persistDir], {
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

/** Ends the whole process group (wrangler and its workerd): SIGTERM, then SIGKILL after 5 s; `signal` SIGKILL skips the grace. */
function kill(child: ChildProcess, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    try {
      process.kill(-child.pid!, signal);
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

export interface WorkerOptions {
  /** The wrangler config, relative to the repository. */
  config: string;
  /** Its port; 0 or unset picks a free one. */
  port?: number;
  /** Where its D1 and Durable Object state live. */
  persistDir: string;
  /** Variables and secrets, passed through an env file. */
  vars?: Record<string, string>;
  /** A path that answers below 500 once the Worker is up. */
  readyPath?: string;
  output?: "inherit" | "collect";
}

export interface RunningWorker {
  url: string;
  /** The wrangler process: its workerd runs below it (the benchmark reads their CPU time). */
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL to wrangler and workerd together: nothing gets to finish or flush. */
  crash(): Promise<void>;
}

/** Runs one Worker under `wrangler dev` on 127.0.0.1; its output goes to `sink` when collected. */
export async function startWorker(options: WorkerOptions, sink: string[] = []): Promise<RunningWorker> {
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const secretsDir = mkdtempSync(join(tmpdir(), "planewatch-env-"));
  const vars = Object.entries(options.vars ?? {});
  const small = Object.fromEntries(vars.filter(([, v]) => v.length <= LARGEST_ENV_FILE_VALUE));
  const large = Object.fromEntries(vars.filter(([, v]) => v.length > LARGEST_ENV_FILE_VALUE));
  const config = Object.keys(large).length > 0 ? configWithVars(options.config, large, secretsDir) : options.config;
  const child = wranglerDev(
    ["-c", config, "--port", String(port), "--persist-to", options.persistDir, "--env-file", envFile(secretsDir, "worker.env", small)],
    options.output ?? "collect",
    sink,
  );
  const stop = () => kill(child);
  try {
    await waitUntilUp(`${url}${options.readyPath ?? "/"}`, child, () => sink.join(""));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, stop, crash: () => kill(child, "SIGKILL") };
}

/** A GET with node:http: no time limit, and the body as it came over the wire (not decompressed). */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((done, fail) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", fail);
    }).on("error", fail);
  });
}

export async function startMesh(options: MeshOptions = {}): Promise<RunningMesh> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "planewatch-"));
  mkdirSync(persistDir, { recursive: true });
  const port = options.port || (await freePort());
  const output = options.output ?? "collect";
  const sink: string[] = [];
  const logs = () => sink.join("");
  const url = `http://127.0.0.1:${port}`;

  applyMigrations(persistDir);
  const meshOptions: WorkerOptions = {
    config: "wrangler.toml",
    port,
    persistDir,
    vars: { PUBLIC_URL: url, ...options.vars },
    readyPath: "/healthz/livez",
    output,
  };
  const [simulator, mesh] = await Promise.allSettled([
    startWorker(
      // Its own state directory: two workerd processes cannot share one.
      {
        config: "simulator/wrangler.toml",
        port: options.simulatorPort,
        persistDir: join(persistDir, "simulator"),
        vars: options.simulatorVars,
        output,
      },
      sink,
    ),
    startWorker(meshOptions, sink),
  ]);
  if (simulator.status === "rejected" || mesh.status === "rejected") {
    await Promise.all([simulator, mesh].map((w) => (w.status === "fulfilled" ? w.value.stop() : undefined)));
    throw simulator.status === "rejected" ? simulator.reason : (mesh as PromiseRejectedResult).reason;
  }
  let meshWorker = mesh.value;
  const stop = async () => {
    await Promise.all([meshWorker.stop(), simulator.value.stop()]);
  };
  const restart = async () => {
    meshWorker = await startWorker(meshOptions, sink);
  };
  // httpGet rather than fetch, which gives up after 300 s without headers: the scheduled
  // handler answers when the whole fan-out is done, and thousands of planes can take longer.
  const fire = async (cron: string) => {
    const res = await httpGet(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`);
    if (res.status !== 200) throw new Error(`cron "${cron}" failed: ${res.status} ${res.body.toString()}\n${logs().slice(-4000)}`);
  };
  return {
    url,
    simulatorUrl: simulator.value.url,
    persistDir,
    get pid() {
      return meshWorker.pid;
    },
    logs,
    stop,
    crash: () => meshWorker.crash(),
    restart,
    fire,
    tick: () => fire("* * * * *"),
  };
}
