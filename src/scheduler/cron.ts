import { loadConfig } from "../config/load.ts";
import type { Env } from "../env.ts";
import { dispatch, type DispatchReport } from "./dispatch.ts";
import { probeTargets } from "./fanout.ts";

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
