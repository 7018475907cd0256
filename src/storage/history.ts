import type { MaintenanceNote } from "../status/maintenance.ts";
import type { HourRollup } from "./hour_figures.ts";
import { planesHourlySql } from "./rollups.ts";
import { readingHistory } from "./unavailable.ts";
import type { FailingProbe, PlaneStatus, ProbeResult, Transition } from "../status/model.ts";

/** A result as the history keeps it: `maintenance` when it was taken in a maintenance window (uptime leaves it out). */
export type HistoryResult = ProbeResult & { maintenance?: boolean };

/**
 * A Plane object's figures of an hour, whole: a row holding more runs is never replaced by one
 * holding fewer (a late or re-sent copy), so the rows can be written again at any time.
 */
const UPSERT_HOURLY = `INSERT INTO results_hourly (plane, hour, region, probe, runs, successes, latency_sum_ms, latency_max_ms,
                                              latency_p50_ms, latency_p95_ms, maintenance_runs, failures)
  SELECT value ->> '$.plane', value ->> '$.hour', value ->> '$.region', value ->> '$.probe', value ->> '$.runs', value ->> '$.successes',
         value ->> '$.latencySumMs', value ->> '$.latencyMaxMs', value ->> '$.p50', value ->> '$.p95', value ->> '$.maintenanceRuns',
         nullif(json(value -> '$.failures'), '{}')
  FROM json_each(?1) WHERE true
  ON CONFLICT (plane, hour, region, probe) DO UPDATE SET
    runs = excluded.runs, successes = excluded.successes, latency_sum_ms = excluded.latency_sum_ms,
    latency_max_ms = excluded.latency_max_ms, latency_p50_ms = excluded.latency_p50_ms, latency_p95_ms = excluded.latency_p95_ms,
    maintenance_runs = excluded.maintenance_runs, failures = excluded.failures
  WHERE excluded.runs + excluded.maintenance_runs > results_hourly.runs + results_hourly.maintenance_runs`;

/**
 * Writes results, transitions and hourly figures in one D1 batch. Each table gets a single
 * statement that expands a JSON array with json_each, so a batch of any size stays within D1's
 * 100 bound parameters; INSERT OR IGNORE, and hourly rows that only ever grow, make a retried
 * batch harmless. The plane's hourly totals (planes_hourly) are summed again from the rows.
 */
export async function writeHistory(
  db: D1Database,
  results: HistoryResult[],
  transitions: Transition[],
  hours: HourRollup[] = [],
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (hours.length > 0) {
    const json = JSON.stringify(hours);
    statements.push(
      db.prepare(UPSERT_HOURLY).bind(json),
      db.prepare(planesHourlySql("SELECT DISTINCT value ->> '$.plane' AS plane, value ->> '$.hour' AS hour FROM json_each(?1)")).bind(json),
    );
  }
  if (results.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO results (plane, at, region, probe, kind, ok, reason, latency_ms, http_status, message,
                                          traceparent, request_id, attempts, maintenance)
           SELECT value ->> '$.plane', value ->> '$.at', value ->> '$.region', value ->> '$.probe', value ->> '$.kind',
                  value ->> '$.ok', value ->> '$.reason', value ->> '$.latencyMs', value ->> '$.httpStatus', value ->> '$.message',
                  value ->> '$.traceparent', value ->> '$.requestId', value ->> '$.attempts', coalesce(value ->> '$.maintenance', 0)
           FROM json_each(?)`,
        )
        .bind(JSON.stringify(results)),
    );
  }
  if (transitions.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO transitions (plane, at, from_status, to_status, failing, maintenance)
           SELECT value ->> '$.plane', value ->> '$.at', value ->> '$.from', value ->> '$.to', json(value -> '$.failing'),
                  value ->> '$.maintenance'
           FROM json_each(?)`,
        )
        .bind(JSON.stringify(transitions)),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}

/** The conditions that apply (false: one that does not), each with its parameters, joined in order. */
function whereOf(conditions: ReadonlyArray<readonly [clause: string, ...params: unknown[]] | false>): {
  where: string[];
  params: unknown[];
} {
  const applied = conditions.filter((c) => c !== false);
  return { where: applied.map(([clause]) => clause), params: applied.flatMap(([, ...params]) => params) };
}

/** Where the previous page of results ended: results sort by (at, region, probe), newest first. */
export interface ResultKey {
  at: number;
  region: string;
  probe: string;
}

export interface HistoryQuery {
  plane: string;
  from: number;
  to: number;
  limit: number;
  region?: string;
  probe?: string;
  ok?: boolean;
  /** Only results sorting after this key (the last of the previous page). */
  after?: ResultKey;
}

interface ResultRow {
  plane: string;
  at: number;
  region: string;
  probe: string;
  kind: string;
  ok: number;
  reason: string;
  latency_ms: number;
  http_status: number | null;
  message: string;
  traceparent: string | null;
  request_id: string | null;
  attempts: number | null;
}

/** Results of one plane in [from, to), newest first; the primary key serves the order and the cursor. */
export async function readResults(db: D1Database, q: HistoryQuery): Promise<ProbeResult[]> {
  const { where, params } = whereOf([
    ["plane = ?", q.plane],
    ["at >= ?", q.from],
    ["at < ?", q.to],
    q.region !== undefined && ["region = ?", q.region],
    q.probe !== undefined && ["probe = ?", q.probe],
    q.ok !== undefined && ["ok = ?", q.ok ? 1 : 0],
    q.after !== undefined && ["(at, region, probe) < (?, ?, ?)", q.after.at, q.after.region, q.after.probe],
  ]);
  const { results } = await readingHistory(() =>
    db
      .prepare(`SELECT * FROM results WHERE ${where.join(" AND ")} ORDER BY at DESC, region DESC, probe DESC LIMIT ?`)
      .bind(...params, q.limit)
      .all<ResultRow>(),
  );
  return results.map((r) => ({
    plane: r.plane,
    at: r.at,
    region: r.region,
    probe: r.probe,
    kind: r.kind,
    ok: r.ok === 1,
    reason: r.reason,
    latencyMs: r.latency_ms,
    httpStatus: r.http_status,
    message: r.message,
    ...(r.traceparent === null ? {} : { traceparent: r.traceparent }),
    ...(r.request_id === null ? {} : { requestId: r.request_id }),
    ...(r.attempts === null ? {} : { attempts: r.attempts }),
  }));
}

/** A transition as D1 keeps it: with the id it got on arrival, increasing in arrival order. */
export type TransitionRecord = Transition & { id: number };

interface TransitionRow {
  id: number;
  plane: string;
  at: number;
  from_status: PlaneStatus;
  to_status: PlaneStatus;
  failing: string;
  maintenance: string | null;
}

function transitionOf(r: TransitionRow): TransitionRecord {
  return {
    id: r.id,
    plane: r.plane,
    at: r.at,
    from: r.from_status,
    to: r.to_status,
    failing: JSON.parse(r.failing) as FailingProbe[],
    maintenance: r.maintenance === null ? null : (JSON.parse(r.maintenance) as MaintenanceNote),
  };
}

/** Where the previous page of transitions ended: they sort by (at, id), newest first. */
export interface TransitionKey {
  at: number;
  id: number;
}

export interface TransitionQuery {
  /** One plane, or every plane when absent. */
  plane?: string;
  from: number;
  to: number;
  limit: number;
  after?: TransitionKey;
}

/** Transitions in [from, to), newest first. */
export async function readTransitions(db: D1Database, q: TransitionQuery): Promise<TransitionRecord[]> {
  const { where, params } = whereOf([
    ["at >= ?", q.from],
    ["at < ?", q.to],
    q.plane !== undefined && ["plane = ?", q.plane],
    q.after !== undefined && ["(at, id) < (?, ?)", q.after.at, q.after.id],
  ]);
  const { results } = await readingHistory(() =>
    db
      .prepare(`SELECT * FROM transitions WHERE ${where.join(" AND ")} ORDER BY at DESC, id DESC LIMIT ?`)
      .bind(...params, q.limit)
      .all<TransitionRow>(),
  );
  return results.map(transitionOf);
}

/** Transitions that arrived after the one with id `afterId`, in arrival order: the event stream's feed. */
export async function transitionsSince(db: D1Database, q: { afterId: number; plane?: string; limit: number }): Promise<TransitionRecord[]> {
  const plane = q.plane === undefined ? "" : " AND plane = ?";
  const { results } = await readingHistory(() =>
    db
      .prepare(`SELECT * FROM transitions WHERE id > ?${plane} ORDER BY id LIMIT ?`)
      .bind(...(q.plane === undefined ? [q.afterId, q.limit] : [q.afterId, q.plane, q.limit]))
      .all<TransitionRow>(),
  );
  return results.map(transitionOf);
}

/** The id of the newest transition, 0 when there is none: where a fresh event stream starts. */
export async function lastTransitionId(db: D1Database): Promise<number> {
  const row = await readingHistory(() => db.prepare("SELECT coalesce(max(id), 0) AS id FROM transitions").first<{ id: number }>());
  return row?.id ?? 0;
}
