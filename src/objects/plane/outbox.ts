import type { HourRollup } from "../../storage/hour_figures.ts";
import { writeHistory, type HistoryResult } from "../../storage/history.ts";
import type { Transition } from "../../status/model.ts";
import { increment } from "./counters.ts";

/**
 * History leaves a Plane object through this outbox: entries (results, transitions, closed hours) wait in
 * the object's own storage until D1 has taken them, so a D1 outage delays history but loses
 * none of it (up to a limit). Each row is a batch of one kind, its body a JSON array of
 * `count` entries: queuing a report's results writes one row and sending it deletes one, since
 * each row written is billed. A row's id is the running number of its last entry (the
 * previous row's id plus its count), so ids order the rows and, from the first row on, count
 * the entries at most (with no gap they count them exactly), with index look-ups alone. Ids
 * count only the rows still here.
 * Tables: ./schema.ts.
 */

/** Entries sent to D1 in one batch; a batch row holds at most this many. */
export const FLUSH_BATCH = 500;
/** Past this many waiting entries the oldest results are dropped (and counted); transitions and closed hours never. */
export const OUTBOX_LIMIT = 50_000;
/** After a failed D1 write. */
const RETRY_DELAY_MS = 15_000;

type OutboxRow = { id: number; kind: string; body: string; count: number };

/** Queues history entries, in order: one row per FLUSH_BATCH of them (one statement each). */
export function enqueue(sql: SqlStorage, kind: "result", bodies: readonly HistoryResult[]): void;
export function enqueue(sql: SqlStorage, kind: "transition", bodies: readonly Transition[]): void;
export function enqueue(sql: SqlStorage, kind: "rollup", bodies: readonly HourRollup[]): void;
export function enqueue(sql: SqlStorage, kind: string, bodies: readonly object[]): void {
  for (let start = 0; start < bodies.length; start += FLUSH_BATCH) {
    const batch = bodies.slice(start, start + FLUSH_BATCH);
    sql.exec(
      "INSERT INTO outbox (id, kind, body, count) SELECT coalesce(max(id), 0) + ?1, ?2, ?3, ?1 FROM outbox",
      batch.length,
      kind,
      JSON.stringify(batch),
    );
  }
  if (bodies.length > 0) dropPastLimit(sql);
}

/** Entries waiting, from the ids alone: never fewer than there are (more only when results were dropped between older entries). */
function waitingAtMost(sql: SqlStorage): number {
  const first = sql.exec<{ id: number; count: number }>("SELECT id, count FROM outbox ORDER BY id LIMIT 1").toArray()[0];
  if (!first) return 0;
  const last = sql.exec<{ id: number }>("SELECT max(id) AS id FROM outbox").one().id;
  return last - first.id + first.count;
}

/** Entries waiting, counted. */
function outboxSize(sql: SqlStorage): number {
  return sql.exec<{ n: number | null }>("SELECT sum(count) AS n FROM outbox").one().n ?? 0;
}

/**
 * Drops the oldest results past OUTBOX_LIMIT, counting them: whole batches, then the oldest
 * entries of the next one. The count of every row is read only when the ids say the limit
 * may be passed (a long D1 outage).
 */
function dropPastLimit(sql: SqlStorage): void {
  if (waitingAtMost(sql) <= OUTBOX_LIMIT) return;
  let excess = outboxSize(sql) - OUTBOX_LIMIT;
  let dropped = 0;
  while (excess > 0) {
    const oldest = sql.exec<OutboxRow>("SELECT * FROM outbox WHERE kind = 'result' ORDER BY id LIMIT 1").toArray()[0];
    if (!oldest) break;
    const taken = Math.min(oldest.count, excess);
    if (taken === oldest.count) sql.exec("DELETE FROM outbox WHERE id = ?", oldest.id);
    else {
      const kept = (JSON.parse(oldest.body) as unknown[]).slice(taken);
      sql.exec("UPDATE outbox SET body = ?, count = ? WHERE id = ?", JSON.stringify(kept), kept.length, oldest.id);
    }
    excess -= taken;
    dropped += taken;
  }
  if (dropped > 0) increment(sql, "planewatch_history_dropped_total", {}, dropped);
}

/**
 * Sends the oldest batches, up to FLUSH_BATCH entries, to D1 and deletes them once D1 has
 * them. Returns when to come back: now if more rows wait, later if D1 failed (the rows stay),
 * never (Infinity) when the outbox is empty.
 */
export async function flushOutbox(sql: SqlStorage, db: D1Database, now: number): Promise<number> {
  const first = sql.exec<{ id: number; count: number }>("SELECT id, count FROM outbox ORDER BY id LIMIT 1").toArray()[0];
  if (!first) return Infinity;
  // The ids bound the entries of the rows up to one: the first row always fits (a row holds at most FLUSH_BATCH).
  const rows = sql.exec<OutboxRow>("SELECT * FROM outbox WHERE id <= ? ORDER BY id", first.id - first.count + FLUSH_BATCH).toArray();
  const entries = <T>(kind: string) => rows.filter((r) => r.kind === kind).flatMap((r) => JSON.parse(r.body) as T[]);
  const results = entries<HistoryResult>("result");
  const transitions = entries<Transition>("transition");
  const hours = entries<HourRollup>("rollup");
  try {
    await writeHistory(db, results, transitions, hours);
  } catch (error) {
    const what = `${results.length + transitions.length + hours.length} entries in ${rows.length} rows`;
    console.error(`planewatch: writing history to D1 failed, ${what} kept for retry: ${String(error)}`);
    return now + RETRY_DELAY_MS;
  }
  sql.exec("DELETE FROM outbox WHERE id <= ?", rows.at(-1)!.id);
  return sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 ? now : Infinity;
}
