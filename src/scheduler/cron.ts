import { loadConfig } from "../config/load.ts";
import type { Env } from "../env.ts";
import { dispatch, type DispatchReport } from "./dispatch.ts";
import { fanoutWidth, probeTargets } from "./fanout.ts";
import { runMaintenance } from "./maintenance.ts";

/** The hourly history maintenance (wrangler.toml); every other cron is the probe tick. */
export const MAINTENANCE_CRON = "17 * * * *";

/**
 * The scheduled handler: every minute, tick every (plane, region) Prober object through the
 * fan-out tree. The probes themselves run in the Prober objects, never here.
 */
export async function runCron(env: Env): Promise<DispatchReport> {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(`config from ${loaded.source} is invalid (${loaded.problems.length} problems); nothing probed`);
  const report = await dispatch(env, { start: 0, end: probeTargets(loaded.config).length });
  if (report.failed > 0) {
    throw new Error(`cron reached ${report.ticked} probers, ${report.failed} failed: ${report.errors.join("; ")}`);
  }
  return report;
}

/** Runs the job of a cron trigger and says what it did, in one line for the log. */
export async function runScheduled(cron: string, env: Env, now = Date.now()): Promise<string> {
  if (cron === MAINTENANCE_CRON) return `maintenance: ${await runMaintenance(env, now)}`;
  const report = await runCron(env);
  return (
    `cron ticked ${report.ticked} probers in ${report.invocations} invocations, ` +
    `at most ${report.mostSubrequests} subrequests each (FANOUT_WIDTH ${fanoutWidth(env.FANOUT_WIDTH)})`
  );
}
