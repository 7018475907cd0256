/**
 * `npm start`: the mesh on http://127.0.0.1:8787 with the simulator on :8788, the demo planes
 * of config/planes.json, local D1 with its migrations, and the crons fired as Cloudflare
 * would: the probe tick every minute, the history maintenance every hour (wrangler dev never
 * fires crons by itself).
 *
 *   TICK_SECONDS=10 npm start     fire the cron every 10 s instead
 *   PORT=9000 npm start           another port for the mesh (the demo planes still use :8788)
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { MAINTENANCE_CRON } from "../src/scheduler/cron.ts";
import { ROOT, startMesh } from "./mesh.ts";

const tickSeconds = Number(process.env.TICK_SECONDS ?? 60);
if (!Number.isFinite(tickSeconds) || tickSeconds < 1) {
  console.error(`TICK_SECONDS must be a number of seconds >= 1, got ${process.env.TICK_SECONDS}`);
  process.exit(2);
}

// The demo planes and the simulator share an API key and a webhook secret made up for this
// run: no secret in any file.
const demoKey = randomBytes(16).toString("hex");
const demoWebhookSecret = randomBytes(16).toString("hex");
const mesh = await startMesh({
  port: Number(process.env.PORT ?? 8787),
  simulatorPort: 8788,
  persistDir: join(ROOT, ".wrangler", "state"),
  vars: { DEMO_API_KEY: demoKey, DEMO_WEBHOOK_SECRET: demoWebhookSecret },
  simulatorVars: { SIM_API_KEY: demoKey, SIM_WEBHOOK_SECRET: demoWebhookSecret },
  output: "inherit",
});

async function tick(): Promise<void> {
  try {
    await mesh.tick();
    console.log(`[planewatch] cron fired at ${new Date().toISOString()}`);
  } catch (error) {
    console.error(`[planewatch] ${String(error)}`);
  }
}

console.log(`
[planewatch] mesh       ${mesh.url}            (status page)
[planewatch] status     ${mesh.url}/api/v1/status
[planewatch] metrics    ${mesh.url}/metrics
[planewatch] simulator  ${mesh.simulatorUrl}   (faults: PUT /planes/<plane>/faults)
[planewatch] cron every ${tickSeconds} s; Ctrl-C stops everything
`);
async function maintain(): Promise<void> {
  try {
    await mesh.fire(MAINTENANCE_CRON);
  } catch (error) {
    console.error(`[planewatch] ${String(error)}`);
  }
}

await tick();
const timer = setInterval(tick, tickSeconds * 1000);
const maintenanceTimer = setInterval(maintain, 3_600_000);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    clearInterval(timer);
    clearInterval(maintenanceTimer);
    await mesh.stop();
    process.exit(0);
  });
}
