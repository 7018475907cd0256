import { floorTo, HOUR_MS } from "./rollup_plan.ts";

/**
 * What a Plane object keeps of each (region, probe)'s runs in the current UTC hour, pure: D1's
 * hourly rollups are written from these figures, so a passing run need not reach D1 as a row of
 * its own. Counted as src/storage/rollups.ts rolls raw results up: runs in a maintenance window
 * count apart, latency percentiles keep every run.
 */
export interface HourFigures {
  /** Start of the UTC hour, epoch ms. */
  hour: number;
  /** Runs outside any maintenance window, and how many of them passed. */
  runs: number;
  successes: number;
  maintenanceRuns: number;
  /** Over the runs outside maintenance windows. */
  latencySumMs: number;
  latencyMaxMs: number;
  /** Every run's latency, for the hour's percentiles. */
  latencies: number[];
  /** Failed runs outside maintenance windows, by reason. */
  failures: Record<string, number>;
}

export interface HourRun {
  at: number;
  ok: boolean;
  reason: string;
  latencyMs: number;
  maintenance: boolean;
}

/** One row of D1's `results_hourly`, written whole: a re-sent row changes nothing. */
export interface HourRollup {
  plane: string;
  hour: number;
  region: string;
  probe: string;
  runs: number;
  successes: number;
  maintenanceRuns: number;
  latencySumMs: number;
  latencyMaxMs: number;
  p50: number | null;
  p95: number | null;
  failures: Record<string, number>;
}

/**
 * Counts a run into its hour. A run of a later hour closes the figures held (`closed`, to be
 * written to D1 for good) and opens its own; a run of an earlier hour (an async verdict judged
 * after the hour turned) counts in the hour held, whose figures it can still change.
 */
export function countRun(held: HourFigures | null, run: HourRun): { open: HourFigures; closed: HourFigures | null } {
  const hour = floorTo(run.at, HOUR_MS);
  const closed = held !== null && hour > held.hour ? held : null;
  const base = held === null || closed !== null ? emptyHour(hour) : held;
  const open: HourFigures = { ...base, latencies: [...base.latencies, run.latencyMs] };
  if (run.maintenance) {
    open.maintenanceRuns++;
    return { open, closed };
  }
  open.runs++;
  open.latencySumMs += run.latencyMs;
  open.latencyMaxMs = Math.max(open.latencyMaxMs, run.latencyMs);
  if (run.ok) open.successes++;
  else open.failures = { ...open.failures, [run.reason]: (open.failures[run.reason] ?? 0) + 1 };
  return { open, closed };
}

function emptyHour(hour: number): HourFigures {
  return { hour, runs: 0, successes: 0, maintenanceRuns: 0, latencySumMs: 0, latencyMaxMs: 0, latencies: [], failures: {} };
}

/** Nearest rank: the smallest latency with at least `percent` % of the hour's runs at or below it. */
function percentile(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.ceil((sorted.length * percent) / 100) - 1]!;
}

/**
 * The row D1 keeps of an hour. Latencies in whole milliseconds: SQLite stores a whole REAL as an
 * integer of 1 to 4 bytes instead of 8, a quarter of the row.
 */
export function rollupOf(series: { plane: string; region: string; probe: string }, figures: HourFigures): HourRollup {
  const sorted = [...figures.latencies].sort((a, b) => a - b);
  const whole = (ms: number | null) => (ms === null ? null : Math.round(ms));
  return {
    ...series,
    hour: figures.hour,
    runs: figures.runs,
    successes: figures.successes,
    maintenanceRuns: figures.maintenanceRuns,
    latencySumMs: Math.round(figures.latencySumMs),
    latencyMaxMs: Math.round(figures.latencyMaxMs),
    p50: whole(percentile(sorted, 50)),
    p95: whole(percentile(sorted, 95)),
    failures: figures.failures,
  };
}

/**
 * Whether a run is written to D1 as a raw result: every failure, the first pass after a failure
 * (when the trouble ended), and one pass in `sampleMs` (0: every pass); the hourly rollups count
 * the rest.
 */
export function keepsRaw(
  run: { at: number; ok: boolean },
  previousOk: boolean | null,
  sampledAt: number | null,
  sampleMs: number,
): boolean {
  return !run.ok || previousOk === false || sampledAt === null || run.at - sampledAt >= sampleMs;
}
