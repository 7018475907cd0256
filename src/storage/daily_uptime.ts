import type { DayUptime } from "../status/uptime_strip.ts";
import type { RunCounts } from "./uptime.ts";
import { DAY_MS, floorTo, HOUR_MS, planUptime, type RollupState, type UptimeSegment } from "./rollup_plan.ts";

/** The windows the status page reports uptime over, shortest first. */
export const PAGE_WINDOWS = [
  { name: "24h", ms: DAY_MS },
  { name: "7d", ms: 7 * DAY_MS },
  { name: "30d", ms: 30 * DAY_MS },
  { name: "90d", ms: 90 * DAY_MS },
] as const;

export type PageWindowName = (typeof PAGE_WINDOWS)[number]["name"];

/** Where the page's history ends: the last hour the rollups hold (0 when nothing was rolled up). */
export function historyThrough(state: RollupState, now: number): number {
  return Math.min(state.hourlyThrough, floorTo(now, HOUR_MS));
}

/**
 * Every plane's (or one plane's) days from `from`, as one row per plane: days before
 * `dailyThrough` from planes_daily, the days after it summed from planes_hourly, failures merged
 * by reason. D1 joins each plane's days into one text so that 1,000 planes cost the Worker 1,000
 * rows, not 90,000: a line "day,runs" for a day whose every run passed outside any maintenance
 * window, and "day,runs,successes,maintenance runs,{failures}" for the others, so that only those
 * are parsed as JSON.
 */
function daysStatement(db: D1Database, state: RollupState, from: number, plane: string | null): D1PreparedStatement {
  const onePlane = plane === null ? "" : " AND plane = ?3";
  const sql = `WITH recent AS (
      SELECT plane, hour - hour % ${DAY_MS} AS day, runs, successes, failures, maintenance_runs FROM planes_hourly WHERE hour >= max(?1, ?2)${onePlane}
    ), recent_days AS (
      SELECT plane, day, sum(runs) AS runs, sum(successes) AS successes, sum(maintenance_runs) AS maintenance_runs FROM recent GROUP BY plane, day
    ), recent_failures AS (
      SELECT plane, day, json_group_object(reason, failed) AS failures
      FROM (SELECT r.plane, r.day, f.key AS reason, sum(f.value) AS failed FROM recent AS r, json_each(r.failures) AS f GROUP BY r.plane, r.day, f.key)
      GROUP BY plane, day
    ), days AS (
      SELECT plane, day, runs, successes, maintenance_runs, failures FROM planes_daily WHERE day >= ?1 AND day < ?2${onePlane}
      UNION ALL
      SELECT d.plane, d.day, d.runs, d.successes, d.maintenance_runs, coalesce(f.failures, '{}')
      FROM recent_days AS d LEFT JOIN recent_failures AS f USING (plane, day)
    )
    SELECT plane, group_concat(CASE WHEN successes = runs AND maintenance_runs = 0 THEN day || ',' || runs
      ELSE day || ',' || runs || ',' || successes || ',' || maintenance_runs || ',' || failures END, char(10)) AS days
    FROM (SELECT * FROM days ORDER BY plane, day) GROUP BY plane`;
  const params: unknown[] = [from, state.dailyThrough];
  return db.prepare(sql).bind(...(plane === null ? params : [...params, plane]));
}

/** No failures: shared by every day whose runs all passed. */
const NONE: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** One line of daysStatement's text; the failures object is last, as it may hold commas. */
function parseDay(line: string): DayUptime {
  const a = line.indexOf(",");
  const b = line.indexOf(",", a + 1);
  if (b < 0) {
    const runs = Number(line.slice(a + 1));
    return { day: Number(line.slice(0, a)), runs, successes: runs, failures: NONE };
  }
  const c = line.indexOf(",", b + 1);
  const d = line.indexOf(",", c + 1);
  const maintenanceRuns = Number(line.slice(c + 1, d));
  return {
    day: Number(line.slice(0, a)),
    runs: Number(line.slice(a + 1, b)),
    successes: Number(line.slice(b + 1, c)),
    failures: JSON.parse(line.slice(d + 1)) as Record<string, number>,
    ...(maintenanceRuns > 0 ? { maintenanceRuns } : {}),
  };
}

/** For each source, the runs of every plane in [?, ?), and of one plane only when `onePlane` adds its condition. */
const SEGMENT_SQL: Record<UptimeSegment["source"], (onePlane: string) => string> = {
  raw: (onePlane) => `SELECT plane, count(*) AS runs, sum(ok) AS successes FROM results WHERE at >= ? AND at < ?${onePlane} GROUP BY plane`,
  hourly: (onePlane) => `SELECT plane, runs, successes FROM planes_hourly WHERE hour >= ? AND hour < ?${onePlane}`,
  daily: (onePlane) => `SELECT plane, runs, successes FROM planes_daily WHERE day >= ? AND day < ?${onePlane}`,
};

/** Every plane's (or one plane's) runs over each page window ending at `through`, in one query. */
function windowsStatement(db: D1Database, state: RollupState, through: number, plane: string | null): D1PreparedStatement {
  const parts: string[] = [];
  const params: unknown[] = [];
  const onePlane = plane === null ? "" : " AND plane = ?";
  for (const w of PAGE_WINDOWS) {
    const { segments } = planUptime({ from: through - w.ms, to: through }, state);
    if (segments.length === 0) continue;
    const union = segments.map((s) => SEGMENT_SQL[s.source](onePlane)).join(" UNION ALL ");
    parts.push(`SELECT '${w.name}' AS window, plane, sum(runs) AS runs, sum(successes) AS successes FROM (${union}) GROUP BY plane`);
    params.push(...segments.flatMap((s) => (plane === null ? [s.from, s.to] : [s.from, s.to, plane])));
  }
  if (parts.length === 0) return db.prepare("SELECT NULL AS window, NULL AS plane, 0 AS runs, 0 AS successes WHERE 0");
  return db.prepare(parts.join(" UNION ALL ")).bind(...params);
}

/** What the overview shows of the history of each plane. */
export interface PlanesHistory {
  /** The end of the history read: the windows end here, the strips hold the days up to it. */
  through: number;
  days: Map<string, DayUptime[]>;
  windows: Map<string, Partial<Record<PageWindowName, RunCounts>>>;
}

/**
 * The days of every plane (or of one) from `stripFrom`, and their runs over the page windows:
 * one batch of two queries, whatever the number of planes. Everything comes from the rollups, so
 * it is exact to the hour and ends at the last hour rolled up (`through`).
 */
export async function readPlanesHistory(
  db: D1Database,
  state: RollupState,
  now: number,
  stripFrom: number,
  plane: string | null = null,
): Promise<PlanesHistory> {
  const through = historyThrough(state, now);
  const [days, windows] = await db.batch<Record<string, unknown>>([
    daysStatement(db, state, stripFrom, plane),
    windowsStatement(db, state, through, plane),
  ]);
  const history: PlanesHistory = { through, days: new Map(), windows: new Map() };
  for (const row of days!.results as Array<{ plane: string; days: string }>)
    history.days.set(row.plane, row.days.split("\n").map(parseDay));
  for (const row of windows!.results as Array<{ window: PageWindowName; plane: string; runs: number; successes: number }>) {
    const byWindow = history.windows.get(row.plane) ?? {};
    byWindow[row.window] = { runs: row.runs, successes: row.successes };
    history.windows.set(row.plane, byWindow);
  }
  return history;
}
