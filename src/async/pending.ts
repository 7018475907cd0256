import { probeName, type PlaneConfig } from "../config/schema.ts";
import { hmacKey } from "../lib/encoding.ts";
import type { AsyncPredictProbe } from "../probes/async_predict.ts";
import type { StatusPoll } from "./poll.ts";
import { finalMessage, withinLatencyLimit } from "../probes/outcome.ts";
import { appendStatus, judgeAsync, type AsyncObservation, type WebhookCheck } from "./judge.ts";
import { issueTicket, type Ticket } from "./token.ts";
import { recordResults } from "../objects/plane/state.ts";
import type { ProbeResult } from "../status/model.ts";

/**
 * Async requests a Plane object is waiting on: opened (ticket issued) just before the submit,
 * given their request id by the submit answer or the webhook (whichever comes first), then
 * judged when the webhook and the polled status complete, or at the deadline. Judged requests
 * leave a tombstone for an hour so a repeated or late webhook is recognised, and changes nothing.
 * Tables: src/objects/plane/schema.ts.
 */

/** Bounds what a misbehaving platform or prober can make one plane hold. */
const MAX_PENDING = 1_000;
const TOMBSTONE_MS = 3_600_000;

export type PendingRow = {
  nonce: string;
  region: string;
  probe: string;
  submitted_at: number;
  deadline: number;
  request_id: string | null;
  http_status: number | null;
  webhook: string | null;
  statuses: string;
  webhook_status: string | null;
  status_error: string | null;
  poll_error: string | null;
  next_poll: number | null;
};

/** Per object (its storage), the imported token key: read and imported once per instance. */
const tokenKeys = new WeakMap<SqlStorage, Promise<CryptoKey>>();

/** The plane's own key for webhook tokens, made on first use; it never leaves the object. */
export function webhookKey(sql: SqlStorage): Promise<CryptoKey> {
  let key = tokenKeys.get(sql);
  if (!key) {
    key = hmacKey(loadOrMakeKey(sql));
    tokenKeys.set(sql, key);
  }
  return key;
}

function loadOrMakeKey(sql: SqlStorage): Uint8Array {
  const row = sql.exec<{ key: ArrayBuffer }>("SELECT key FROM webhook_key").toArray()[0];
  if (row) return new Uint8Array(row.key);
  const key = crypto.getRandomValues(new Uint8Array(32));
  sql.exec("INSERT INTO webhook_key (id, key) VALUES (1, ?)", key.buffer);
  return key;
}

export function pendingCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM async_pending").one().n;
}

export async function openRequest(
  sql: SqlStorage,
  plane: string,
  request: { region: string; probe: string; submittedAt: number; deadline: number },
): Promise<Ticket> {
  if (pendingCount(sql) >= MAX_PENDING) throw new Error(`${MAX_PENDING} async requests already pending`);
  const ticket = await issueTicket(await webhookKey(sql), plane);
  sql.exec(
    "INSERT INTO async_pending (nonce, region, probe, submitted_at, deadline) VALUES (?, ?, ?, ?, ?)",
    ticket.nonce,
    request.region,
    request.probe,
    request.submittedAt,
    request.deadline,
  );
  return ticket;
}

export interface Submission {
  nonce: string;
  /** The accepted request's id, or null when the submit failed (its result is reported as usual). */
  requestId: string | null;
  httpStatus: number | null;
}

/** Records what the submit answered; polling starts now. */
export function recordSubmission(sql: SqlStorage, submission: Submission, now: number): void {
  if (submission.requestId === null) {
    sql.exec("DELETE FROM async_pending WHERE nonce = ?", submission.nonce);
    return;
  }
  // A webhook that came first already set the request id; if the two disagree, the webhook was not ours.
  sql.exec(
    `UPDATE async_pending SET request_id = ?, http_status = ?, next_poll = ?,
       webhook = CASE WHEN request_id IS NULL OR request_id = ? THEN webhook ELSE NULL END
     WHERE nonce = ?`,
    submission.requestId,
    submission.httpStatus,
    now,
    submission.requestId,
    submission.nonce,
  );
}

export function pendingRow(sql: SqlStorage, nonce: string): PendingRow | undefined {
  return sql.exec<PendingRow>("SELECT * FROM async_pending WHERE nonce = ?", nonce).toArray()[0];
}

/** Whether a judged request had its webhook (else it timed out, and a webhook now is late). */
export function tombstone(sql: SqlStorage, nonce: string): { hadWebhook: boolean } | undefined {
  const row = sql.exec<{ had_webhook: number }>("SELECT had_webhook FROM async_done WHERE nonce = ?", nonce).toArray()[0];
  return row && { hadWebhook: row.had_webhook === 1 };
}

export function recordWebhook(sql: SqlStorage, nonce: string, requestId: string, check: WebhookCheck): void {
  sql.exec("UPDATE async_pending SET webhook = ?, request_id = ? WHERE nonce = ?", JSON.stringify(check), requestId, nonce);
}

export function recordPoll(sql: SqlStorage, nonce: string, poll: StatusPoll | { failure: string }, nextPoll: number): void {
  const row = pendingRow(sql, nonce);
  if (!row) return;
  if ("failure" in poll) {
    sql.exec("UPDATE async_pending SET poll_error = ?, next_poll = ? WHERE nonce = ?", poll.failure, nextPoll, nonce);
    return;
  }
  const statuses = appendStatus(JSON.parse(row.statuses) as string[], poll.status);
  sql.exec(
    "UPDATE async_pending SET statuses = ?, webhook_status = ?, status_error = coalesce(status_error, ?), poll_error = NULL, next_poll = ? WHERE nonce = ?",
    JSON.stringify(statuses),
    poll.webhookStatus,
    poll.error === null ? null : JSON.stringify(poll.error),
    nextPoll,
    nonce,
  );
}

function observation(row: PendingRow): AsyncObservation {
  return {
    submittedAt: row.submitted_at,
    deadline: row.deadline,
    webhook: row.webhook === null ? null : (JSON.parse(row.webhook) as WebhookCheck),
    statuses: JSON.parse(row.statuses) as string[],
    webhookStatus: row.webhook_status,
    statusError: row.status_error === null ? null : (JSON.parse(row.status_error) as AsyncObservation["statusError"]),
    pollError: row.poll_error,
  };
}

/** How a settled request is recorded: the histogram's bounds, and the plane's secrets kept out of its message. */
export interface Recording {
  latencyBounds: readonly number[] | null;
  redact: (text: string) => string;
}

/** A decided request, closed: its result to record, or none when its probe left the config. */
export interface Settled {
  result: ProbeResult | null;
}

/**
 * Judges a pending request now; once it is decided, leaves a tombstone in its place and answers
 * its result (at the submit time, latency up to the webhook), for recordSettled. Run both in
 * one transaction: the result and the removal land together, so an alarm that runs twice cannot
 * count it twice. Null while it is undecided.
 */
export function settle(sql: SqlStorage, plane: PlaneConfig, row: PendingRow, now: number, recording: Recording): Settled | null {
  const probe = asyncProbeOf(plane, row.probe);
  if (!probe) {
    close(sql, row, now);
    return { result: null };
  }
  const verdict = judgeAsync(observation(row), now);
  if (!verdict.done) return null;
  // The end-to-end latency (submit to webhook) is what expect.maxLatencyMs bounds for an async probe.
  const judged = withinLatencyLimit(
    { ok: verdict.ok, reason: verdict.reason, latencyMs: verdict.latencyMs, message: verdict.message },
    probe.expect.maxLatencyMs,
  );
  close(sql, row, now);
  return {
    result: {
      plane: plane.id,
      region: row.region,
      probe: row.probe,
      kind: "async_predict",
      at: row.submitted_at,
      ok: judged.ok,
      reason: judged.reason,
      latencyMs: judged.latencyMs,
      httpStatus: row.http_status,
      message: finalMessage(judged.message, recording.redact),
    },
  };
}

/** Records the results of requests settled together: one write of each region's row, however many there are. */
export function recordSettled(sql: SqlStorage, plane: PlaneConfig, settled: readonly Settled[], recording: Recording): void {
  const results = settled.flatMap(({ result }) => (result ? [result] : []));
  if (results.length > 0) recordResults(sql, plane, results, recording.latencyBounds, "any-order");
}

function close(sql: SqlStorage, row: PendingRow, now: number): void {
  sql.exec("DELETE FROM async_pending WHERE nonce = ?", row.nonce);
  sql.exec(
    "INSERT OR REPLACE INTO async_done (nonce, done_at, had_webhook) VALUES (?, ?, ?)",
    row.nonce,
    now,
    row.webhook === null ? 0 : 1,
  );
}

/** Forgets tombstones older than an hour: a webhook for those reads as unknown. */
export function pruneTombstones(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM async_done WHERE done_at < ?", now - TOMBSTONE_MS);
}

export function dueForPoll(sql: SqlStorage, now: number): PendingRow[] {
  return sql
    .exec<PendingRow>("SELECT * FROM async_pending WHERE request_id IS NOT NULL AND next_poll <= ? ORDER BY next_poll", now)
    .toArray();
}

export function pastDeadline(sql: SqlStorage, now: number): PendingRow[] {
  return sql.exec<PendingRow>("SELECT * FROM async_pending WHERE deadline <= ?", now).toArray();
}

export function nextAsyncWake(sql: SqlStorage): number {
  const row = sql
    .exec<{ next: number | null }>("SELECT min(min(deadline, coalesce(next_poll, deadline))) AS next FROM async_pending")
    .one();
  return row.next ?? Infinity;
}

/** The async probe of the plane a pending request belongs to (gone if the config dropped it). */
export function asyncProbeOf(plane: PlaneConfig, probe: string): AsyncPredictProbe | undefined {
  const found = plane.probes.find((p) => probeName(p) === probe);
  return found?.kind === "async_predict" ? found : undefined;
}
