import type { FailingProbe, PlaneStatus, ProbeResult, Transition } from "../status/model.ts";

/**
 * Writes results and transitions in one D1 batch. Each table gets a single statement that
 * expands a JSON array with json_each, so a batch of any size stays within D1's 100 bound
 * parameters; INSERT OR IGNORE makes a retried batch harmless.
 */
export async function writeHistory(db: D1Database, results: ProbeResult[], transitions: Transition[]): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (results.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO results (plane, at, region, probe, kind, ok, reason, latency_ms, http_status, message)
           SELECT value ->> '$.plane', value ->> '$.at', value ->> '$.region', value ->> '$.probe', value ->> '$.kind',
                  value ->> '$.ok', value ->> '$.reason', value ->> '$.latencyMs', value ->> '$.httpStatus', value ->> '$.message'
           FROM json_each(?)`,
        )
        .bind(JSON.stringify(results)),
    );
  }
  if (transitions.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO transitions (plane, at, from_status, to_status, failing)
           SELECT value ->> '$.plane', value ->> '$.at', value ->> '$.from', value ->> '$.to', json(value -> '$.failing')
           FROM json_each(?)`,
        )
        .bind(JSON.stringify(transitions)),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}

export interface HistoryQuery {
  plane: string;
  from: number;
  to: number;
  limit: number;
  region?: string;
  probe?: string;
  ok?: boolean;
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
}

/** Results of one plane in [from, to), newest first. */
export async function readResults(db: D1Database, q: HistoryQuery): Promise<ProbeResult[]> {
  const where = ["plane = ?", "at >= ?", "at < ?"];
  const params: unknown[] = [q.plane, q.from, q.to];
  if (q.region !== undefined) where.push("region = ?"), params.push(q.region);
  if (q.probe !== undefined) where.push("probe = ?"), params.push(q.probe);
  if (q.ok !== undefined) where.push("ok = ?"), params.push(q.ok ? 1 : 0);
  const { results } = await db
    .prepare(`SELECT * FROM results WHERE ${where.join(" AND ")} ORDER BY at DESC, region, probe LIMIT ?`)
    .bind(...params, q.limit)
    .all<ResultRow>();
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
  }));
}

interface TransitionRow {
  plane: string;
  at: number;
  from_status: PlaneStatus;
  to_status: PlaneStatus;
  failing: string;
}

/** Transitions of one plane in [from, to), newest first. */
export async function readTransitions(
  db: D1Database,
  q: Pick<HistoryQuery, "plane" | "from" | "to" | "limit">,
): Promise<Transition[]> {
  const { results } = await db
    .prepare("SELECT * FROM transitions WHERE plane = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?")
    .bind(q.plane, q.from, q.to, q.limit)
    .all<TransitionRow>();
  return results.map((r) => ({
    plane: r.plane,
    at: r.at,
    from: r.from_status,
    to: r.to_status,
    failing: JSON.parse(r.failing) as FailingProbe[],
  }));
}
