import type { Env } from "../env.ts";
import { parseRetention } from "../storage/rollup_plan.ts";
import { maintainHistory, type MaintenanceReport } from "../storage/rollups.ts";

function describe(report: MaintenanceReport): string {
  const { raw, hourly, daily } = report.pruned;
  return (
    `rolled up ${report.hoursRolled} hours and ${report.daysRolled} days; ` +
    `pruned ${raw} results, ${hourly} hourly and ${daily} daily rollups; ${report.queries} queries` +
    (report.complete ? "" : " (query budget spent: the next run goes on)")
  );
}

/**
 * The hourly history maintenance: rollups, then pruning by the retention variables. With a
 * retention variable set wrongly it still rolls up (uptime stays exact) but prunes nothing,
 * and fails loudly so the operator hears of it.
 */
export async function runMaintenance(env: Env, now: number): Promise<string> {
  const retention = parseRetention(env);
  const report = await maintainHistory(env.DB, now, retention.ok ? retention.retention : null);
  if (!retention.ok) throw new Error(`history ${describe(report)}, but nothing was pruned: ${retention.problems.join("; ")}`);
  return describe(report);
}
