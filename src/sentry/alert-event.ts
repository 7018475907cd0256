import { ALERT_LEVEL, type PlaneAlert } from "../status/alerting.ts";
import { RUNBOOK } from "../status/runbook.ts";
import type { SentryEvent } from "./client.ts";

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Why an alert comes late, as its message says it. */
const HELD_BY = { maintenance: " as its maintenance window ended", flapping: " as it stopped flapping" } as const;

function message(alert: PlaneAlert): string {
  const summary = RUNBOOK[alert.status].summary;
  const held = alert.heldBy ? HELD_BY[alert.heldBy] : "";
  switch (alert.kind) {
    case "transition":
      return `${alert.plane} is ${alert.status}${held}: ${summary}`;
    case "reminder":
      return `${alert.plane} is still ${alert.status} (since ${iso(alert.since)}): ${summary}`;
    case "resolution":
      return `${alert.plane} is OK again after ${alert.previous}${held}: ${summary}`;
    case "flapping":
      return `${alert.plane} is flapping (changing status too often to alert on each change), now ${alert.status}`;
    case "settled":
      return `${alert.plane} stopped flapping, now ${alert.status}`;
  }
}

/** Sentry groups a status's alert and reminders into one issue; flapping and its settling have issues of their own. */
function fingerprintOf(alert: PlaneAlert): string[] {
  if (alert.kind === "flapping") return ["planewatch", alert.plane, "flapping"];
  if (alert.kind === "settled") return ["planewatch", alert.plane, "settled"];
  return ["planewatch", alert.plane, alert.status];
}

function levelOf(alert: PlaneAlert): SentryEvent["level"] {
  if (alert.kind === "flapping") return "warning";
  if (alert.kind === "settled" || alert.status === "OK") return "info";
  return ALERT_LEVEL[alert.status];
}

/**
 * The first failing request on-call can look up in the plane's own logs, as tags Sentry
 * searches by: `request_id` (its X-Request-ID) and `traceparent`.
 */
function requestTags(alert: PlaneAlert): Record<string, string> {
  const traced = alert.failing.find((f) => f.requestId !== null && f.traceparent !== null);
  return traced ? { request_id: traced.requestId!, traceparent: traced.traceparent! } : {};
}

/**
 * The Sentry event of a plane alert. One issue per (plane, status): the fingerprint groups a
 * status's alert and its reminders, whatever their text; a resolution is its own (plane, OK)
 * issue, at level info; flapping is one (plane, flapping) issue at level warning, and its
 * settling a (plane, settled) one at level info. Timestamped when it happened, not when it
 * was (re)sent.
 */
export function alertEvent(alert: PlaneAlert): SentryEvent {
  const runbook = RUNBOOK[alert.status];
  return {
    message: message(alert),
    level: levelOf(alert),
    timestamp: alert.at / 1000,
    fingerprint: fingerprintOf(alert),
    tags: {
      plane: alert.plane,
      status: alert.status,
      previous_status: alert.previous,
      alert: alert.kind,
      ...(alert.heldBy ? { held_by: alert.heldBy } : {}),
      ...requestTags(alert),
    },
    contexts: {
      alert: {
        kind: alert.kind,
        status: alert.status,
        previous_status: alert.previous,
        at: iso(alert.at),
        since: iso(alert.since),
        last_result_at: iso(alert.lastResultAt),
      },
      runbook: { ...runbook },
      failing: {
        results: alert.failing.map((f) => ({
          region: f.region,
          probe: f.probe,
          reason: f.reason,
          http_status: f.httpStatus,
          latency_ms: f.latencyMs,
          message: f.message,
          at: iso(f.at),
          traceparent: f.traceparent,
          request_id: f.requestId,
        })),
      },
    },
  };
}
