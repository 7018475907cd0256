import type { HourRollup } from "../../storage/hour_figures.ts";
import { writeHistory, type HistoryResult } from "../../storage/history.ts";
import type { Transition } from "../../status/model.ts";
import { increment } from "./counters.ts";

/**
 * History leaves a Plane object through this outbox: rows wait in the object's own storage
 * until D1 has taken them, so a D1 outage delays history but loses none of it (up to a limit).
 * A new row's id is above every waiting one's (the rowid, without AUTOINCREMENT's extra
 * billed row per insert): ids order the rows, and only the rows still here.
 * Tables: ./schema.ts.
 */

/** Rows sent to D1 in one batch. */
const FLUSH_BATCH = 500;
/** Past this many waiting rows the oldest results are dropped (and counted); transitions and closed hours never. */
const OUTBOX_LIMIT = 50_000;
/** After a failed D1 write. */
const RETRY_DELAY_MS = 15_000;

/** Queues history rows, in order, in one statement. */
export function enqueue(sql: SqlStorage, kind: "result", bodies: readonly HistoryResult[]): void;
export function enqueue(sql: SqlStorage, kind: "transition", bodies: readonly Transition[]): void;
export function enqueue(sql: SqlStorage, kind: "rollup", bodies: readonly HourRollup[]): void;
export function enqueue(sql: SqlStorage, kind: string, bodies: readonly object[]): void {
  if (bodies.length === 0) return;
  sql.exec("INSERT INTO outbox (kind, body) SELECT ?, value FROM json_each(?) ORDER BY key", kind, JSON.stringify(bodies));
  const excess = outboxSize(sql) - OUTBOX_LIMIT;
  if (excess > 0) {
    sql.exec("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE kind = 'result' ORDER BY id LIMIT ?)", excess);
    increment(sql, "planewatch_history_dropped_total", {}, excess);
  }
}

/** Rows waiting, from the ids alone (min and max of the key are index look-ups, count(*) is a scan). */
export function outboxSize(sql: SqlStorage): number {
  return sql.exec<{ n: number | null }>("SELECT max(id) - min(id) + 1 AS n FROM outbox").one().n ?? 0;
}

/**
 * Sends one batch to D1 and deletes it once D1 has it. Returns when to come back: now if more
 * rows wait, later if D1 failed (the rows stay), never (Infinity) when the outbox is empty.
 */
export async function flushOutbox(sql: SqlStorage, db: D1Database, now: number): Promise<number> {
  const rows = sql.exec<{ id: number; kind: string; body: string }>("SELECT * FROM outbox ORDER BY id LIMIT ?", FLUSH_BATCH).toArray();
  if (rows.length === 0) return Infinity;
  const results = rows.filter((r) => r.kind === "result").map((r) => JSON.parse(r.body) as HistoryResult);
  const transitions = rows.filter((r) => r.kind === "transition").map((r) => JSON.parse(r.body) as Transition);
  const rollups = rows.filter((r) => r.kind === "rollup").map((r) => JSON.parse(r.body) as HourRollup);
  try {
    await writeHistory(db, results, transitions, rollups);
  } catch (error) {
    console.error(`planewatch: writing history to D1 failed, ${rows.length} rows kept for retry: ${String(error)}`);
    return now + RETRY_DELAY_MS;
  }
  sql.exec("DELETE FROM outbox WHERE id <= ?", rows.at(-1)!.id);
  return outboxSize(sql) > 0 ? now : Infinity;
}
