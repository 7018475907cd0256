/**
 * `npm start`: the mesh on http://127.0.0.1:8787 with the simulator on :8788, the demo planes
 * of config/planes.json, local D1 with its migrations, and the crons fired as Cloudflare
 * would: the probe tick every minute, the history maintenance every hour (wrangler dev never
 * fires crons by itself).
 *
 * Your own `.dev.vars` (dotenv, as `wrangler dev` reads it; see .dev.vars.example) is laid over
 * the demo's variables: PLANES_CONFIG, the secrets it names, METRICS_TOKEN, SENTRY_DSN, anything.
 *
 *   TICK_SECONDS=10 npm start     fire the cron every 10 s instead
 *   PORT=9000 npm start           another port for the mesh (0: any free one)
 *   SIMULATOR_PORT=0 npm start    another port for the simulator (the demo planes expect :8788)
 *   DEV_VARS=path npm start       read the variables from another file than ./.dev.vars
 *   STATE_DIR=path npm start      keep local D1 and Durable Object state there (default .wrangler/state)
 *
 * The first SIGINT or SIGTERM stops everything, whatever state the Workers are in.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { MAINTENANCE_CRON } from "../src/scheduler/cron.ts";
import { ROOT, startMesh, stopAllWorkers } from "./mesh.ts";

const timers: NodeJS.Timeout[] = [];
let stopping = false;

/** Stops the Workers (their whole process groups) and exits; a second signal changes nothing. */
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const timer of timers) clearInterval(timer);
  console.log(`[planewatch] ${signal}: stopping`);
  await stopAllWorkers();
  process.exit(0);
}

// First of all: a signal during start-up stops the Workers already spawned too.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(signal));

const tickSeconds = Number(process.env.TICK_SECONDS ?? 60);
if (!Number.isFinite(tickSeconds) || tickSeconds < 1) {
  console.error(`TICK_SECONDS must be a number of seconds >= 1, got ${process.env.TICK_SECONDS}`);
  process.exit(2);
}

/** The user's variables, as `wrangler dev` would read them from .dev.vars. */
function userVars(): Record<string, string> {
  const path = resolve(process.env.DEV_VARS ?? join(ROOT, ".dev.vars"));
  if (!existsSync(path)) return {};
  const vars = parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  // Names only: the values are secrets.
  console.log(`[planewatch] ${path}: ${Object.keys(vars).join(", ") || "no variables"} laid over the demo's`);
  return vars;
}

// The demo planes and the simulator share an API key and a webhook secret made up for this
// run: no secret in any file.
const demoKey = randomBytes(16).toString("hex");
const demoWebhookSecret = randomBytes(16).toString("hex");
const mesh = await startMesh({
  port: Number(process.env.PORT ?? 8787),
  simulatorPort: Number(process.env.SIMULATOR_PORT ?? 8788),
  persistDir: resolve(process.env.STATE_DIR ?? join(ROOT, ".wrangler", "state")),
  vars: { DEMO_API_KEY: demoKey, DEMO_WEBHOOK_SECRET: demoWebhookSecret, ...userVars() },
  simulatorVars: { SIM_API_KEY: demoKey, SIM_WEBHOOK_SECRET: demoWebhookSecret },
  output: "inherit",
});

async function tick(): Promise<void> {
  try {
    await mesh.tick();
    console.log(`[planewatch] cron fired at ${new Date().toISOString()}`);
  } catch (error) {
    if (!stopping) console.error(`[planewatch] ${String(error)}`);
  }
}

async function maintain(): Promise<void> {
  try {
    await mesh.fire(MAINTENANCE_CRON);
  } catch (error) {
    if (!stopping) console.error(`[planewatch] ${String(error)}`);
  }
}

console.log(`
[planewatch] mesh       ${mesh.url}            (status page)
[planewatch] status     ${mesh.url}/api/v1/status
[planewatch] metrics    ${mesh.url}/metrics
[planewatch] simulator  ${mesh.simulatorUrl}   (faults: PUT /planes/<plane>/faults)
[planewatch] cron every ${tickSeconds} s; Ctrl-C stops everything
`);

await tick();
timers.push(setInterval(tick, tickSeconds * 1000), setInterval(maintain, 3_600_000));
