import { ALERT_LEVEL, type PlaneAlert } from "../status/alerting.ts";
import { RUNBOOK } from "../status/runbook.ts";
import type { SentryEvent } from "./client.ts";

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function message(alert: PlaneAlert): string {
  const summary = RUNBOOK[alert.status].summary;
  switch (alert.kind) {
    case "transition":
      return `${alert.plane} is ${alert.status}: ${summary}`;
    case "reminder":
      return `${alert.plane} is still ${alert.status} (since ${iso(alert.since)}): ${summary}`;
    case "resolution":
      return `${alert.plane} is OK again after ${alert.previous}: ${summary}`;
  }
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
 * issue, at level info. Timestamped when it happened, not when it was (re)sent.
 */
export function alertEvent(alert: PlaneAlert): SentryEvent {
  const runbook = RUNBOOK[alert.status];
  return {
    message: message(alert),
    level: alert.status === "OK" ? "info" : ALERT_LEVEL[alert.status],
    timestamp: alert.at / 1000,
    fingerprint: ["planewatch", alert.plane, alert.status],
    tags: { plane: alert.plane, status: alert.status, previous_status: alert.previous, alert: alert.kind, ...requestTags(alert) },
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
