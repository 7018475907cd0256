import type { Env } from "../../env.ts";
import {
  decideAlerts,
  reminderDueAt,
  reminderIntervalMs,
  type AlertInput,
  type AlertState,
  type Incident,
  type PlaneAlert,
} from "../../status/alerting.ts";
import type { PlaneStatus } from "../../status/model.ts";
import { readAnnotations } from "./annotations.ts";
import { latestResults } from "./state.ts";

/**
 * Alerts leave a Plane object through a queue in its own storage: an alert is queued in the
 * transaction that records its transition, and an alarm step sends it until Sentry takes it.
 * Each queued alert has its event id from the start, so a resend (after a timeout that hid a
 * success, or an alarm re-run) is the same event to Sentry, never a second one.
 * Tables: ./schema.ts.
 */

/** Alerts sent in one alarm run; more wait for the next run, which comes at once. */
const SEND_BATCH = 20;
/** Past this many waiting alerts (Sentry down for long), the oldest are dropped. */
const QUEUE_LIMIT = 100;
/** After a failed send: doubling from this, up to the cap. */
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 5 * 60_000;

export interface AlertPolicy {
  /** Alerts are queued only when there is somewhere to send them. */
  enabled: boolean;
  reminderMs: number;
}

export function alertPolicy(env: Env): AlertPolicy {
  return { enabled: Boolean(env.SENTRY_DSN), reminderMs: reminderIntervalMs(env.ALERT_REMINDER_MINUTES) };
}

export interface QueuedAlert {
  id: string;
  alert: PlaneAlert;
}

/** Sends alerts; answers the ids Sentry took. */
export type DeliverAlerts = (alerts: QueuedAlert[]) => Promise<Set<string>>;

function readIncident(sql: SqlStorage): Incident | null {
  const row = sql.exec<{ status: PlaneStatus; since: number; notified_at: number }>("SELECT * FROM incident").toArray()[0];
  return row ? { status: row.status, since: row.since, notifiedAt: row.notified_at } : null;
}

function writeIncident(sql: SqlStorage, incident: Incident | null): void {
  if (!incident) {
    sql.exec("DELETE FROM incident");
    return;
  }
  sql.exec(
    "INSERT OR REPLACE INTO incident (id, status, since, notified_at) VALUES (1, ?, ?, ?)",
    incident.status,
    incident.since,
    incident.notifiedAt,
  );
}

function enqueue(sql: SqlStorage, alert: PlaneAlert, now: number): void {
  const eventId = crypto.randomUUID().replaceAll("-", "");
  sql.exec("INSERT INTO alert_queue (event_id, body, attempts, next_attempt) VALUES (?, ?, 0, ?)", eventId, JSON.stringify(alert), now);
  const excess = sql.exec<{ n: number }>("SELECT count(*) AS n FROM alert_queue").one().n - QUEUE_LIMIT;
  if (excess > 0) {
    sql.exec("DELETE FROM alert_queue WHERE id IN (SELECT id FROM alert_queue ORDER BY id LIMIT ?)", excess);
    console.error(`planewatch: ${alert.plane}: ${excess} unsent alert(s) dropped, Sentry has not taken any for long`);
  }
}

/**
 * Within the transaction of an evaluation: decides the alerts (decideAlerts, pure) from the
 * incident and what the annotations keep, writes back what it decided, and queues its alerts.
 * Returns the alert state for the annotations.
 */
export function queueAlerts(
  sql: SqlStorage,
  policy: AlertPolicy,
  kept: { flappingAlerted: boolean; held: AlertState["held"] },
  input: Omit<AlertInput, "results" | "reminderMs">,
): AlertState {
  const decision = decideAlerts(
    { incident: readIncident(sql), ...kept },
    { ...input, results: latestResults(sql), reminderMs: policy.reminderMs },
  );
  writeIncident(sql, decision.state.incident);
  if (policy.enabled) for (const alert of decision.alerts) enqueue(sql, alert, input.now);
  return decision.state;
}

/**
 * The alarm step: sends the alerts that are due; one Sentry did not take waits (backing off)
 * and goes again with the same event id. Says when to come back: the next retry or reminder.
 */
export async function sendAlerts(sql: SqlStorage, policy: AlertPolicy, deliver: DeliverAlerts, now: number): Promise<number> {
  if (!policy.enabled) {
    // Sentry was turned off: what waits has nowhere to go.
    sql.exec("DELETE FROM alert_queue");
    return Infinity;
  }
  const due = sql
    .exec<{ id: number; event_id: string; body: string; attempts: number }>(
      "SELECT id, event_id, body, attempts FROM alert_queue WHERE next_attempt <= ? ORDER BY id LIMIT ?",
      now,
      SEND_BATCH,
    )
    .toArray();
  if (due.length > 0) {
    const accepted = await deliver(due.map((row) => ({ id: row.event_id, alert: JSON.parse(row.body) as PlaneAlert })));
    // Back off from when Sentry answered (or timed out), not from when the step began.
    const answeredAt = Date.now();
    for (const row of due) {
      if (accepted.has(row.event_id)) {
        sql.exec("DELETE FROM alert_queue WHERE id = ?", row.id);
      } else {
        const backoff = Math.min(RETRY_BASE_MS * 2 ** row.attempts, RETRY_CAP_MS);
        sql.exec("UPDATE alert_queue SET attempts = attempts + 1, next_attempt = ? WHERE id = ?", answeredAt + backoff, row.id);
      }
    }
  }
  const nextAttempt = sql.exec<{ at: number | null }>("SELECT min(next_attempt) AS at FROM alert_queue").one().at;
  // Held alerts (maintenance, flapping) send no reminder: the alarm need not wake for one.
  const reminder = readAnnotations(sql).held ? Infinity : reminderDueAt(readIncident(sql), policy.reminderMs);
  return Math.min(nextAttempt ?? Infinity, reminder);
}
