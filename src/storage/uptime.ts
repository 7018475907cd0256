/** The windows uptime is reported over, longest last. */
export const UPTIME_WINDOWS = [
  { name: "1h", ms: 3_600_000 },
  { name: "24h", ms: 86_400_000 },
  { name: "7d", ms: 7 * 86_400_000 },
  { name: "30d", ms: 30 * 86_400_000 },
] as const;

export type UptimeWindowName = (typeof UPTIME_WINDOWS)[number]["name"];

export interface RunCounts {
  runs: number;
  successes: number;
}

export interface UptimeWindow extends RunCounts {
  window: UptimeWindowName;
  from: number;
  to: number;
  /** Runs of each probe in the window, by probe name. */
  probes: Record<string, RunCounts>;
}

/**
 * Probe runs and successes of one plane over each window ending at `now`, from the results in
 * D1: one query that reads every result of the longest window. The one place uptime is
 * computed, so hourly or daily rollups can replace the raw results here alone.
 */
export async function readUptime(db: D1Database, plane: string, now: number): Promise<UptimeWindow[]> {
  // ?1 the plane, ?2 now, ?3… the start of each window; the last start bounds the scan.
  const columns = UPTIME_WINDOWS.map((_, i) => `SUM(at >= ?${i + 3}) AS runs_${i}, SUM(ok = 1 AND at >= ?${i + 3}) AS ok_${i}`);
  const { results } = await db
    .prepare(`SELECT probe, ${columns.join(", ")} FROM results WHERE plane = ?1 AND at >= ?${UPTIME_WINDOWS.length + 2} AND at < ?2 GROUP BY probe ORDER BY probe`)
    .bind(plane, now, ...UPTIME_WINDOWS.map((w) => now - w.ms))
    .all<Record<string, number | string>>();
  return UPTIME_WINDOWS.map((w, i) => {
    const probes = Object.fromEntries(
      results.map((r) => [String(r.probe), { runs: Number(r[`runs_${i}`] ?? 0), successes: Number(r[`ok_${i}`] ?? 0) }]),
    );
    const counts = Object.values(probes);
    return {
      window: w.name,
      from: now - w.ms,
      to: now,
      runs: counts.reduce((n, c) => n + c.runs, 0),
      successes: counts.reduce((n, c) => n + c.successes, 0),
      probes,
    };
  });
}
