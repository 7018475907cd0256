import { readingHistory } from "./unavailable.ts";
import { readRollupState } from "./rollups.ts";
import { DAY_MS, HOUR_MS, planUptime, type UptimeSegment } from "./rollup_plan.ts";

/** The windows uptime is reported over, longest last. */
export const UPTIME_WINDOWS = [
  { name: "1h", ms: HOUR_MS },
  { name: "24h", ms: DAY_MS },
  { name: "7d", ms: 7 * DAY_MS },
  { name: "30d", ms: 30 * DAY_MS },
] as const;

export type UptimeWindowName = (typeof UPTIME_WINDOWS)[number]["name"];

export interface RunCounts {
  runs: number;
  successes: number;
}

export interface UptimeWindow extends RunCounts {
  window: UptimeWindowName;
  /** Where the answer starts: the top of the hour holding the window's start, or the first hour not pruned. */
  from: number;
  to: number;
  /** Runs of each probe in the window, by probe name. */
  probes: Record<string, RunCounts>;
}

/** For each source, the part of one plane's runs and successes in [?, ?), by probe. */
const SEGMENT_SQL: Record<UptimeSegment["source"], string> = {
  // Runs in a maintenance window are left out: the rollups count them apart.
  hourly:
    "SELECT probe, sum(runs) AS runs, sum(successes) AS successes FROM results_hourly WHERE plane = ?1 AND hour >= ? AND hour < ? GROUP BY probe",
  daily:
    "SELECT probe, sum(runs) AS runs, sum(successes) AS successes FROM results_daily WHERE plane = ?1 AND day >= ? AND day < ? GROUP BY probe",
};

/** D1's limit of bound parameters per query. */
const MAX_BOUND_PARAMETERS = 100;

function uptimeStatement(db: D1Database, plane: string, segments: UptimeSegment[]): D1PreparedStatement {
  if (segments.length === 0) return db.prepare("SELECT NULL AS probe, 0 AS runs, 0 AS successes WHERE 0");
  const params: unknown[] = [plane, ...segments.flatMap((s) => [s.from, s.to])];
  // A window has a handful of segments (edges, hours, days, the tail): far below the limit.
  if (params.length > MAX_BOUND_PARAMETERS) throw new Error(`an uptime window of ${segments.length} segments is too many for one query`);
  const union = segments.map((s) => SEGMENT_SQL[s.source]).join(" UNION ALL ");
  return db
    .prepare(`SELECT probe, sum(runs) AS runs, sum(successes) AS successes FROM (${union}) GROUP BY probe ORDER BY probe`)
    .bind(...params);
}

/**
 * Runs and successes of one plane's probes over each window ending at `now`, overall and by
 * probe: whole days from the daily rollups and whole hours from the hourly ones, the current
 * hour as far as the Plane objects have written it (every few minutes). Exact in its counts;
 * its edges are whole hours. Two round trips
 * (the marks, then one query per window in a batch), whatever the window.
 */
export async function readUptime(db: D1Database, plane: string, now: number): Promise<UptimeWindow[]> {
  const state = await readingHistory(() => readRollupState(db));
  const plans = UPTIME_WINDOWS.map((w) => planUptime({ from: now - w.ms, to: now }, state));
  const answers = await readingHistory(() =>
    db.batch<{ probe: string | null; runs: number; successes: number }>(plans.map((p) => uptimeStatement(db, plane, p.segments))),
  );
  return UPTIME_WINDOWS.map((w, i) => {
    const probes = Object.fromEntries(
      answers[i]!.results.filter((r) => r.probe !== null).map((r) => [r.probe!, { runs: r.runs, successes: r.successes }]),
    );
    const counts = Object.values(probes);
    return {
      window: w.name,
      from: plans[i]!.from,
      to: now,
      runs: counts.reduce((n, c) => n + c.runs, 0),
      successes: counts.reduce((n, c) => n + c.successes, 0),
      probes,
    };
  });
}
