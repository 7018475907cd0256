import {
  DAY_MS,
  dayRollupStart,
  floorTo,
  hourRollupStart,
  HOUR_MS,
  nextPeriod,
  pruneCutoffs,
  type Retention,
  type RollupState,
} from "./rollup_plan.ts";

/** The names of RollupState's fields in D1's `rollup_state`. */
const STATE_NAMES = {
  hourlyThrough: "hourly_through",
  dailyThrough: "daily_through",
  rawFrom: "raw_from",
  hourlyFrom: "hourly_from",
  dailyFrom: "daily_from",
} as const satisfies Record<keyof RollupState, string>;

/** How far each table is complete: one query. */
export async function readRollupState(db: D1Database): Promise<RollupState> {
  const marks = Object.entries(STATE_NAMES).map(([field, name]) => `(SELECT value FROM rollup_state WHERE name = '${name}') AS ${field}`);
  const row = await db.prepare(`SELECT ${marks.join(", ")}`).first<Record<keyof RollupState, number | null>>();
  return Object.fromEntries(
    Object.keys(STATE_NAMES).map((field) => [field, row?.[field as keyof RollupState] ?? 0]),
  ) as unknown as RollupState;
}

/** Moves a mark forward, never back: a re-run of an older step leaves it where it is. */
function advance(db: D1Database, field: keyof RollupState, value: number): D1PreparedStatement {
  return db
    .prepare("INSERT INTO rollup_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)")
    .bind(STATE_NAMES[field], value);
}

/**
 * planes_hourly rows summed from results_hourly, failures merged by reason, for the (plane, hour)
 * pairs `pairs` selects: what the status page reads, always in step with the rows it sums.
 */
export function planesHourlySql(pairs: string): string {
  return `INSERT INTO planes_hourly (plane, hour, runs, successes, failures, maintenance_runs)
    SELECT r.plane, r.hour, sum(r.runs), sum(r.successes),
           (SELECT json_group_object(reason, failed) FROM (
              SELECT f.key AS reason, sum(f.value) AS failed FROM results_hourly AS s, json_each(s.failures) AS f
              WHERE s.plane = r.plane AND s.hour = r.hour GROUP BY f.key)),
           sum(r.maintenance_runs)
    FROM (${pairs}) AS t JOIN results_hourly AS r ON r.plane = t.plane AND r.hour = t.hour
    WHERE true
    GROUP BY r.plane, r.hour
    ON CONFLICT (plane, hour) DO UPDATE SET
      runs = excluded.runs, successes = excluded.successes, failures = excluded.failures, maintenance_runs = excluded.maintenance_runs`;
}

/**
 * The two rollups: each period's rows grouped by (plane, region, probe), and by plane alone with
 * its failures by reason (the status page's tables), for the whole period (?1 its start, ?2 its
 * end); then the first source row after it (?2), so the next step goes straight to the next
 * period that holds results. Hourly percentiles are nearest rank: the smallest latency with at
 * least p % of the hour's runs at or below it.
 *
 * Plane objects write the hours they count themselves (src/storage/hour_figures.ts), and send
 * D1 only some passes as raw results: an hour rolled up from raw results replaces only a row
 * holding fewer runs (one from before Plane objects counted, or none), never theirs.
 */
const ROLLUPS = {
  hour: {
    unit: HOUR_MS,
    mark: "hourlyThrough",
    firstRowFrom: "SELECT min(at) AS first FROM results WHERE at >= ?1",
    // Runs in a maintenance window count apart: uptime and the bars leave them out (latency percentiles keep every run).
    rolls: [
      `INSERT INTO results_hourly
         (plane, hour, region, probe, runs, successes, latency_sum_ms, latency_max_ms, latency_p50_ms, latency_p95_ms, maintenance_runs, failures)
       SELECT plane, ?1, region, probe, sum(maintenance = 0), sum(ok AND maintenance = 0),
              round(total(CASE WHEN maintenance = 0 THEN latency_ms END)), round(coalesce(max(CASE WHEN maintenance = 0 THEN latency_ms END), 0)),
              round(min(CASE WHEN rank * 100 >= n * 50 THEN latency_ms END)), round(min(CASE WHEN rank * 100 >= n * 95 THEN latency_ms END)),
              sum(maintenance),
              (SELECT nullif(json_group_object(reason, failed), '{}') FROM (
                 SELECT f.reason, count(*) AS failed FROM results AS f
                 WHERE f.plane = s.plane AND f.at >= ?1 AND f.at < ?2 AND f.region = s.region AND f.probe = s.probe
                   AND f.ok = 0 AND f.maintenance = 0
                 GROUP BY f.reason))
       FROM (SELECT plane, region, probe, ok, latency_ms, maintenance,
                    row_number() OVER (PARTITION BY plane, region, probe ORDER BY latency_ms) AS rank,
                    count(*) OVER (PARTITION BY plane, region, probe) AS n
             FROM results WHERE at >= ?1 AND at < ?2) AS s
       WHERE true
       GROUP BY plane, region, probe
       ON CONFLICT (plane, hour, region, probe) DO UPDATE SET
         runs = excluded.runs, successes = excluded.successes, latency_sum_ms = excluded.latency_sum_ms,
         latency_max_ms = excluded.latency_max_ms, latency_p50_ms = excluded.latency_p50_ms, latency_p95_ms = excluded.latency_p95_ms,
         maintenance_runs = excluded.maintenance_runs, failures = excluded.failures
       WHERE excluded.runs + excluded.maintenance_runs > results_hourly.runs + results_hourly.maintenance_runs`,
      planesHourlySql("SELECT DISTINCT plane, ?1 AS hour FROM results WHERE at >= ?1 AND at < ?2"),
    ],
  },
  day: {
    unit: DAY_MS,
    mark: "dailyThrough",
    // results_hourly has no index by time: its rows are found through planes_hourly's.
    firstRowFrom: "SELECT min(hour) AS first FROM planes_hourly WHERE hour >= ?1",
    // A day keeps one row per (plane, probe), its regions together (region '*'): uptime by probe is all that reads
    // days (the page reads planes_daily), and a row per region tripled the table. A day rolled before had a row per
    // region: rolled again, it loses them.
    rolls: [
      `DELETE FROM results_daily WHERE (plane, day) IN (SELECT plane, day FROM planes_daily WHERE day >= ?1 AND day < ?2) AND region <> '*'`,
      `INSERT OR REPLACE INTO results_daily (plane, day, region, probe, runs, successes, latency_sum_ms, latency_max_ms, maintenance_runs)
       SELECT r.plane, ?1, '*', r.probe, sum(r.runs), sum(r.successes), sum(r.latency_sum_ms), max(r.latency_max_ms), sum(r.maintenance_runs)
       FROM planes_hourly AS p JOIN results_hourly AS r ON r.plane = p.plane AND r.hour = p.hour
       WHERE p.hour >= ?1 AND p.hour < ?2 GROUP BY r.plane, r.probe`,
      `INSERT OR REPLACE INTO planes_daily (plane, day, runs, successes, failures, maintenance_runs)
       SELECT totals.plane, ?1, totals.runs, totals.successes, coalesce(reasons.failures, '{}'), totals.maintenance_runs
       FROM (SELECT plane, sum(runs) AS runs, sum(successes) AS successes, sum(maintenance_runs) AS maintenance_runs
             FROM planes_hourly WHERE hour >= ?1 AND hour < ?2 GROUP BY plane) AS totals
       LEFT JOIN (
         SELECT plane, json_group_object(reason, failed) AS failures
         FROM (SELECT h.plane, f.key AS reason, sum(f.value) AS failed FROM planes_hourly AS h, json_each(h.failures) AS f
               WHERE h.hour >= ?1 AND h.hour < ?2 GROUP BY h.plane, f.key)
         GROUP BY plane
       ) AS reasons ON reasons.plane = totals.plane`,
    ],
  },
} as const satisfies Record<string, { unit: number; mark: keyof RollupState; firstRowFrom: string; rolls: readonly string[] }>;

/**
 * The tables the job prunes: their time column, the unit of that column, their mark, and the
 * per-plane table of the same period. That one has an index by time (the rollups per region
 * and probe have none: an index is a third of their bytes, and every reader finds them by plane)
 * so it finds the rows to prune, a slice of its rows at a time, and is pruned up to the same
 * mark in the same batch.
 */
const PRUNED = {
  raw: { table: "results", column: "at", unit: 1, mark: "rawFrom", perPlane: null },
  hourly: { table: "results_hourly", column: "hour", unit: HOUR_MS, mark: "hourlyFrom", perPlane: "planes_hourly" },
  daily: { table: "results_daily", column: "day", unit: DAY_MS, mark: "dailyFrom", perPlane: "planes_daily" },
} as const satisfies Record<string, { table: string; column: string; unit: number; mark: keyof RollupState; perPlane: string | null }>;

/**
 * Rows one DELETE removes at most (about): D1 runs one query at a time for the whole database
 * and stops a query at 30 s, so a large prune goes in slices that each hold it briefly.
 */
export const PRUNE_SLICE_ROWS = 200_000;

/**
 * Queries one run makes at most: within D1's 50 queries per invocation on the free plan. A
 * backlog is worked off over the following runs.
 */
export const MAINTENANCE_QUERY_BUDGET = 45;

export interface MaintenanceLimits {
  sliceRows: number;
  queryBudget: number;
}

const DEFAULT_LIMITS: MaintenanceLimits = { sliceRows: PRUNE_SLICE_ROWS, queryBudget: MAINTENANCE_QUERY_BUDGET };

export interface MaintenanceReport {
  hoursRolled: number;
  daysRolled: number;
  pruned: Record<keyof typeof PRUNED, number>;
  queries: number;
  /** False when the budget ran out before everything due was done. */
  complete: boolean;
}

/** Counts the queries of one run; `spend` says no to a step that would pass the limit. */
function queryBudget(limit: number) {
  const budget = {
    spent: 0,
    spend(queries: number): boolean {
      if (budget.spent + queries > limit) return false;
      budget.spent += queries;
      return true;
    },
  };
  return budget;
}

type QueryBudget = ReturnType<typeof queryBudget>;

/**
 * Rolls up every complete period from `cursor` on that holds rows, each step one batch (a D1
 * transaction): the rollup, its mark, and where the next rows are. When all are done, the mark
 * moves to `completeBefore`: there is nothing before it left to roll up. Returns the first
 * period rolled, how many, and whether all were (false when the budget ran out first).
 */
async function rollPeriods(
  db: D1Database,
  kind: keyof typeof ROLLUPS,
  cursor: number,
  completeBefore: number,
  state: RollupState,
  budget: QueryBudget,
): Promise<{ first: number | null; rolled: number; complete: boolean }> {
  const { unit, mark, firstRowFrom, rolls } = ROLLUPS[kind];
  let first: number | null = null;
  let rolled = 0;
  if (!budget.spend(1)) return { first, rolled, complete: false };
  let firstRow = (await db.prepare(firstRowFrom).bind(cursor).first<{ first: number | null }>())?.first ?? null;
  for (let period = nextPeriod(firstRow, unit, completeBefore); period !== null; period = nextPeriod(firstRow, unit, completeBefore)) {
    if (!budget.spend(rolls.length + 2)) return { first, rolled, complete: false };
    const answers = await db.batch<{ first: number | null }>([
      ...rolls.map((roll) => db.prepare(roll).bind(period, period + unit)),
      advance(db, mark, period + unit),
      db.prepare(firstRowFrom).bind(period + unit),
    ]);
    firstRow = answers.at(-1)!.results[0]?.first ?? null;
    first ??= period;
    rolled++;
  }
  if (completeBefore > state[mark]) {
    if (!budget.spend(1)) return { first, rolled, complete: false };
    await advance(db, mark, completeBefore).run();
    state[mark] = completeBefore;
  }
  return { first, rolled, complete: true };
}

/**
 * One run of the history maintenance at `now`: rolls complete hours of raw results into
 * `results_hourly` and complete days into `results_daily` (whole periods replaced, so
 * re-runs are harmless), then, given a retention, prunes each table up to its cutoff in
 * slices. Each step writes its rows and moves its mark in one batch (a D1 transaction). A run
 * stops at its query budget; the next run goes on from the marks.
 */
export async function maintainHistory(
  db: D1Database,
  now: number,
  retention: Retention | null,
  limits: MaintenanceLimits = DEFAULT_LIMITS,
): Promise<MaintenanceReport> {
  const budget = queryBudget(limits.queryBudget);
  const report: MaintenanceReport = { hoursRolled: 0, daysRolled: 0, pruned: { raw: 0, hourly: 0, daily: 0 }, queries: 0, complete: false };
  const done = (complete: boolean) => ({ ...report, queries: budget.spent, complete });
  budget.spend(1);
  const state = await readRollupState(db);

  const hours = await rollPeriods(db, "hour", hourRollupStart(state), floorTo(now, HOUR_MS), state, budget);
  report.hoursRolled = hours.rolled;
  if (!hours.complete) return done(false);
  const days = await rollPeriods(db, "day", dayRollupStart(state, hours.first), floorTo(state.hourlyThrough, DAY_MS), state, budget);
  report.daysRolled = days.rolled;
  if (!days.complete) return done(false);
  if (retention === null) return done(true);

  const cutoffs = pruneCutoffs(state, retention, now);
  for (const which of Object.keys(PRUNED) as Array<keyof typeof PRUNED>) {
    const { table, column, unit, mark, perPlane } = PRUNED[which];
    if (state[mark] >= cutoffs[which]) continue;
    // The slice ends at the sliceRows-th oldest row before the cutoff (all rows at that time
    // go with it, so a slice always makes progress), or at the cutoff.
    const sliceEnd = `(SELECT ${column} FROM ${perPlane ?? table} WHERE ${column} < ?1 ORDER BY ${column} LIMIT 1 OFFSET ?2)`;
    const upToSliceEnd = `${column} <= coalesce(${sliceEnd}, ?1 - 1)`;
    for (;;) {
      const prunes =
        perPlane === null
          ? [db.prepare(`DELETE FROM ${table} WHERE ${upToSliceEnd}`).bind(cutoffs[which], limits.sliceRows)]
          : [
              db
                .prepare(
                  `DELETE FROM ${table} WHERE (plane, ${column}) IN (SELECT plane, ${column} FROM ${perPlane} WHERE ${upToSliceEnd})`,
                )
                .bind(cutoffs[which], limits.sliceRows),
              db
                .prepare(`DELETE FROM ${perPlane} WHERE ${column} < (SELECT value FROM rollup_state WHERE name = ?)`)
                .bind(STATE_NAMES[mark]),
            ];
      if (!budget.spend(1 + prunes.length)) return done(false);
      const [, deleted, sliced] = await db.batch([
        db
          .prepare(
            `INSERT INTO rollup_state (name, value) VALUES (?3, coalesce(${sliceEnd} + ?4, ?1))
             ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`,
          )
          .bind(cutoffs[which], limits.sliceRows, STATE_NAMES[mark], unit),
        ...prunes,
      ]);
      report.pruned[which] += deleted!.meta.changes;
      // The slice was the last when it held no more rows than a slice: of the table, or of the per-plane table that set it.
      if ((sliced ?? deleted)!.meta.changes <= limits.sliceRows) break;
    }
  }
  return done(true);
}
