import { type DayUptime, runsSince } from "../status/uptime_strip.ts";
import type { RunCounts } from "./uptime.ts";
import { DAY_MS, floorTo, type RollupState } from "./rollup_plan.ts";

/** The windows the status page reports uptime over, shortest first. */
export const PAGE_WINDOWS = [
  { name: "24h", ms: DAY_MS },
  { name: "7d", ms: 7 * DAY_MS },
  { name: "30d", ms: 30 * DAY_MS },
  { name: "90d", ms: 90 * DAY_MS },
] as const;

export type PageWindowName = (typeof PAGE_WINDOWS)[number]["name"];

/**
 * Every plane's (or one plane's) days from `from`, as one row per plane: days before
 * `dailyThrough` from planes_daily, the days after it summed from planes_hourly, failures merged
 * by reason. D1 joins each plane's days into one text so that 1,000 planes cost the Worker 1,000
 * rows, not 90,000: a line "day,runs" for a day whose every run passed outside any maintenance
 * window, and "day,runs,successes,maintenance runs,{failures}" for the others, so that only those
 * are parsed as JSON. Beside it, the plane's runs of the 24 hours before `through` from
 * planes_hourly, for the 24h window, which whole days would blur.
 */
function daysStatement(db: D1Database, state: RollupState, from: number, through: number, plane: string | null): D1PreparedStatement {
  const onePlane = plane === null ? "" : " AND plane = ?5";
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
    ), last_day AS (
      SELECT plane, sum(runs) AS runs, sum(successes) AS successes FROM planes_hourly WHERE hour >= ?3 AND hour < ?4${onePlane} GROUP BY plane
    ), joined AS (
      SELECT plane, group_concat(CASE WHEN successes = runs AND maintenance_runs = 0 THEN day || ',' || runs
        ELSE day || ',' || runs || ',' || successes || ',' || maintenance_runs || ',' || failures END, char(10)) AS days
      FROM (SELECT * FROM days ORDER BY plane, day) GROUP BY plane
    )
    SELECT j.plane, j.days, coalesce(l.runs, 0) AS last_day_runs, coalesce(l.successes, 0) AS last_day_successes
    FROM joined AS j LEFT JOIN last_day AS l USING (plane)`;
  const params: unknown[] = [from, state.dailyThrough, through - DAY_MS, through];
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

/** What the overview shows of the history of each plane. */
export interface PlanesHistory {
  /** The end of the history read: the windows end here, the strips hold the days up to it. */
  through: number;
  days: Map<string, DayUptime[]>;
  windows: Map<string, Partial<Record<PageWindowName, RunCounts>>>;
}

/**
 * The runs of one plane over each page window ending at `through`, from its days (sorted by
 * time, today's partial day summed from the hourly rollups up to `through`) and its runs of the
 * last 24 hours. Precision of each window:
 * - 24h: the hours starting in [through − 24 h, through), from the hourly rollups (the current
 *   one as far as its Plane objects have written it);
 * - 7d, 30d, 90d: whole UTC days, from the day holding `through − N days` (counted whole, so up
 *   to 23 hours more than N days) to `through`.
 */
function windowsOf(days: readonly DayUptime[], lastDay: RunCounts, through: number): Record<PageWindowName, RunCounts> {
  const windows = {} as Record<PageWindowName, RunCounts>;
  for (const w of PAGE_WINDOWS) windows[w.name] = w.ms === DAY_MS ? lastDay : runsSince(days, floorTo(through - w.ms, DAY_MS));
  return windows;
}

/** The first day any page window reads: the day holding the start of the longest. */
function windowsFrom(through: number): number {
  return floorTo(through - PAGE_WINDOWS[PAGE_WINDOWS.length - 1]!.ms, DAY_MS);
}

/**
 * The days of every plane (or of one) from `stripFrom`, and their runs over the page windows
 * (see windowsOf for their precision): one query, whatever the number of planes, as the windows
 * are summed from the days read. Everything comes from the rollups, up to now (`through`).
 */
export async function readPlanesHistory(
  db: D1Database,
  state: RollupState,
  now: number,
  stripFrom: number,
  plane: string | null = null,
): Promise<PlanesHistory> {
  // The current hour's rollups are written as it goes (by the Plane objects): the history reaches now.
  const through = now;
  const { results } = await daysStatement(db, state, Math.min(stripFrom, windowsFrom(through)), through, plane).all<{
    plane: string;
    days: string;
    last_day_runs: number;
    last_day_successes: number;
  }>();
  const history: PlanesHistory = { through, days: new Map(), windows: new Map() };
  for (const row of results) {
    const days = row.days.split("\n").map(parseDay);
    history.windows.set(row.plane, windowsOf(days, { runs: row.last_day_runs, successes: row.last_day_successes }, through));
    const first = days.findIndex((d) => d.day >= stripFrom);
    history.days.set(row.plane, first < 0 ? [] : days.slice(first));
  }
  return history;
}
