import { describe, expect, it } from "vitest";
import { alertEvent } from "../../src/sentry/alert-event.ts";
import {
  type AlertInput,
  type AlertState,
  decideAlerts,
  INITIAL_ALERT_STATE,
  onTransition,
  remind,
  reminderDueAt,
  reminderIntervalMs,
  type Incident,
} from "../../src/status/alerting.ts";
import type { PlaneStatus, Transition } from "../../src/status/model.ts";
import { RUNBOOK } from "../../src/status/runbook.ts";
import type { LatestResult } from "../../src/status/snapshot.ts";

const T0 = Date.parse("2026-11-20T10:00:00Z");

function transition(from: PlaneStatus, to: PlaneStatus, at = T0): Transition {
  return {
    plane: "us-east",
    at,
    from,
    to,
    failing: to === "OK" || to === "NO_VALUE" ? [] : [{ region: "weur", probe: "sync_predict", reason: "unexpected_status" }],
  };
}

const results: LatestResult[] = [
  {
    region: "weur",
    probe: "sync_predict",
    kind: "sync_predict",
    at: T0 - 5_000,
    ok: false,
    reason: "unexpected_status",
    latencyMs: 42,
    httpStatus: 500,
    message: "status 500, expected 200",
    state: { verdict: "fail", successes: 0, failures: 1, failReason: "unexpected_status" },
  },
];

describe("which transitions alert", () => {
  it.each([
    ["FAILED", "error"],
    ["NO_USER", "error"],
    ["NO_ORACLE", "error"],
    ["DEGRADED", "warning"],
    ["NO_VALUE", "warning"],
  ] as const)("entering %s alerts at level %s and opens an incident", (status, level) => {
    const { incident, alert } = onTransition(null, transition("OK", status), results);
    expect(incident).toEqual({ status, since: T0, notifiedAt: T0 });
    expect(alert).toMatchObject({ kind: "transition", plane: "us-east", status, previous: "OK" });
    expect(alertEvent(alert!).level).toBe(level);
  });

  it("resolves the open incident on the way back to OK", () => {
    const open: Incident = { status: "FAILED", since: T0 - 60_000, notifiedAt: T0 - 60_000 };
    const { incident, alert } = onTransition(open, transition("FAILED", "OK"), results);
    expect(incident).toBeNull();
    expect(alert).toMatchObject({ kind: "resolution", status: "OK", previous: "FAILED", since: T0 - 60_000, failing: [] });
  });

  it("sends nothing when a new plane's first results read OK: a start, not a recovery", () => {
    expect(onTransition(null, transition("NO_VALUE", "OK"), results)).toEqual({ incident: null, alert: null });
  });

  it("moves the incident to the new status when one alerting status follows another", () => {
    const open: Incident = { status: "FAILED", since: T0 - 60_000, notifiedAt: T0 - 60_000 };
    const { incident, alert } = onTransition(open, transition("FAILED", "NO_USER"), results);
    expect(incident).toEqual({ status: "NO_USER", since: T0, notifiedAt: T0 });
    expect(alert).toMatchObject({ kind: "transition", status: "NO_USER", previous: "FAILED" });
  });

  it("joins the failing (region, probe) pairs with their latest result", () => {
    const { alert } = onTransition(null, transition("OK", "FAILED"), results);
    expect(alert!.failing).toEqual([
      {
        region: "weur",
        probe: "sync_predict",
        reason: "unexpected_status",
        httpStatus: 500,
        latencyMs: 42,
        message: "status 500, expected 200",
        at: T0 - 5_000,
        // This result names no request: no region ran it.
        traceparent: null,
        requestId: null,
      },
    ]);
    expect(alert!.lastResultAt).toBe(T0 - 5_000);
  });
});

describe("reminders", () => {
  it("default to every 30 minutes, can be set in minutes, and 0 turns them off", () => {
    expect(reminderIntervalMs(undefined)).toBe(30 * 60_000);
    expect(reminderIntervalMs("5")).toBe(5 * 60_000);
    expect(reminderIntervalMs("0.5")).toBe(30_000);
    expect(reminderIntervalMs("0")).toBe(Infinity);
    expect(reminderIntervalMs("soon")).toBe(30 * 60_000);
  });

  it("fall due an interval after on-call last heard, and only while an incident is open", () => {
    const open: Incident = { status: "NO_VALUE", since: T0, notifiedAt: T0 };
    expect(reminderDueAt(open, 30 * 60_000)).toBe(T0 + 30 * 60_000);
    expect(reminderDueAt(open, Infinity)).toBe(Infinity);
    expect(reminderDueAt(null, 30 * 60_000)).toBe(Infinity);
  });

  it("say the status persists since it began, and push the next reminder on", () => {
    const open: Incident = { status: "FAILED", since: T0, notifiedAt: T0 };
    const now = T0 + 30 * 60_000;
    const { incident, alert } = remind(open, "us-east", transition("OK", "FAILED").failing, results, now);
    expect(incident).toEqual({ status: "FAILED", since: T0, notifiedAt: now });
    expect(alert).toMatchObject({ kind: "reminder", status: "FAILED", since: T0, at: now });
    expect(alertEvent(alert).message).toBe(`us-east is still FAILED (since 2026-11-20T10:00:00.000Z): ${RUNBOOK.FAILED.summary}`);
  });
});

describe("the Sentry event of an alert", () => {
  it("has one fingerprint per plane and status, the tags, the runbook summary and the failing results", () => {
    const event = alertEvent(onTransition(null, transition("OK", "FAILED"), results).alert!);
    expect(event).toMatchObject({
      message: `us-east is FAILED: ${RUNBOOK.FAILED.summary}`,
      level: "error",
      timestamp: T0 / 1000,
      fingerprint: ["planewatch", "us-east", "FAILED"],
      tags: { plane: "us-east", status: "FAILED", previous_status: "OK", alert: "transition" },
      contexts: {
        runbook: { summary: RUNBOOK.FAILED.summary },
        failing: {
          results: [
            {
              region: "weur",
              probe: "sync_predict",
              reason: "unexpected_status",
              http_status: 500,
              latency_ms: 42,
              message: "status 500, expected 200",
            },
          ],
        },
      },
    });
  });

  it("carries the failing request's X-Request-ID and traceparent, as tags and in the failing results", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const requestId = "0f8b5c8e-2b8a-4c9e-9d5e-3c1f1a2b7d40";
    const traced = results.map((r) => ({ ...r, traceparent, requestId }));
    const event = alertEvent(onTransition(null, transition("OK", "FAILED"), traced).alert!);
    expect(event.tags).toMatchObject({ request_id: requestId, traceparent });
    expect(event.contexts!.failing).toMatchObject({ results: [{ traceparent, request_id: requestId }] });
    // A result no region ran has none to give.
    const untraced = alertEvent(onTransition(null, transition("OK", "FAILED"), results).alert!);
    expect(untraced.tags).not.toHaveProperty("request_id");
    expect(untraced.contexts!.failing).toMatchObject({ results: [{ traceparent: null, request_id: null }] });
  });

  it("makes a resolution an info event of its own (plane, OK) issue", () => {
    const open: Incident = { status: "NO_ORACLE", since: T0 - 60_000, notifiedAt: T0 - 60_000 };
    const event = alertEvent(onTransition(open, transition("NO_ORACLE", "OK"), results).alert!);
    expect(event).toMatchObject({
      message: `us-east is OK again after NO_ORACLE: ${RUNBOOK.OK.summary}`,
      level: "info",
      fingerprint: ["planewatch", "us-east", "OK"],
      tags: { status: "OK", previous_status: "NO_ORACLE", alert: "resolution" },
    });
  });
});

describe("alerts held by maintenance and flapping", () => {
  const MIN = 60_000;
  const input = (over: Partial<AlertInput>): AlertInput => ({
    plane: "us-east",
    now: T0,
    status: "OK",
    since: T0,
    transition: null,
    failing: [],
    results,
    maintenance: false,
    flapping: false,
    flappingSince: T0,
    reminderMs: 30 * MIN,
    ...over,
  });
  const failed = (now: number, over: Partial<AlertInput> = {}) =>
    input({
      now,
      status: "FAILED",
      since: now,
      transition: transition("OK", "FAILED", now),
      failing: transition("OK", "FAILED").failing,
      ...over,
    });

  it("alert a transition outside any window", () => {
    const { alerts, state } = decideAlerts(INITIAL_ALERT_STATE, failed(T0));
    expect(alerts.map((a) => a.kind)).toEqual(["transition"]);
    expect(state.incident?.status).toBe("FAILED");
  });

  it("send nothing during maintenance, and the bad status that still stands when the window ends", () => {
    const held = decideAlerts(INITIAL_ALERT_STATE, failed(T0, { maintenance: true }));
    expect(held.alerts).toEqual([]);
    expect(held.state).toEqual({ incident: null, flappingAlerted: false, held: "maintenance" });
    // No reminder either, however long the window.
    expect(decideAlerts(held.state, input({ now: T0 + 90 * MIN, status: "FAILED", maintenance: true })).alerts).toEqual([]);
    const ended = decideAlerts(held.state, input({ now: T0 + 2 * 60 * MIN, status: "FAILED", since: T0, failing: failed(T0).failing }));
    expect(ended.alerts).toHaveLength(1);
    expect(ended.alerts[0]).toMatchObject({ kind: "transition", status: "FAILED", since: T0, heldBy: "maintenance" });
    expect(alertEvent(ended.alerts[0]!).message).toContain("us-east is FAILED as its maintenance window ended");
    expect(ended.state).toEqual({
      incident: { status: "FAILED", since: T0, notifiedAt: T0 + 2 * 60 * MIN },
      flappingAlerted: false,
      held: null,
    });
  });

  it("send nothing at the window's end when the plane recovered within it", () => {
    const held = decideAlerts(INITIAL_ALERT_STATE, failed(T0, { maintenance: true }));
    const recovered = decideAlerts(
      held.state,
      input({ now: T0 + MIN, maintenance: true, transition: transition("FAILED", "OK", T0 + MIN) }),
    );
    expect(decideAlerts(recovered.state, input({ now: T0 + 60 * MIN })).alerts).toEqual([]);
  });

  it("resolve at the window's end an incident that recovered within it", () => {
    const open: AlertState = { incident: { status: "FAILED", since: T0, notifiedAt: T0 }, flappingAlerted: false, held: null };
    const inWindow = decideAlerts(open, input({ now: T0 + MIN, maintenance: true, transition: transition("FAILED", "OK", T0 + MIN) }));
    expect(inWindow.alerts).toEqual([]);
    const ended = decideAlerts(inWindow.state, input({ now: T0 + 60 * MIN }));
    expect(ended.alerts).toMatchObject([{ kind: "resolution", previous: "FAILED", heldBy: "maintenance" }]);
  });

  it("send one flapping event instead of one per change, then a resolution once it settles", () => {
    let state = decideAlerts(INITIAL_ALERT_STATE, failed(T0)).state;
    const flap = decideAlerts(
      state,
      input({ now: T0 + MIN, transition: transition("FAILED", "OK", T0 + MIN), flapping: true, flappingSince: T0 + MIN }),
    );
    expect(flap.alerts.map((a) => a.kind)).toEqual(["flapping"]);
    const event = alertEvent(flap.alerts[0]!);
    expect(event.fingerprint).toEqual(["planewatch", "us-east", "flapping"]);
    expect(event.level).toBe("warning");
    state = flap.state;
    for (let i = 2; i < 6; i++) {
      const next = decideAlerts(state, failed(T0 + i * MIN, { flapping: true }));
      expect(next.alerts).toEqual([]);
      state = next.state;
    }
    // Settles in FAILED, the status already alerted: the settling only.
    const settled = decideAlerts(state, input({ now: T0 + 30 * MIN, status: "FAILED", since: T0 + 5 * MIN }));
    expect(settled.alerts.map((a) => a.kind)).toEqual(["settled"]);
    expect(alertEvent(settled.alerts[0]!).fingerprint).toEqual(["planewatch", "us-east", "settled"]);
    expect(settled.state.flappingAlerted).toBe(false);
    expect(settled.state.held).toBeNull();
  });

  it("hold the flapping event itself during maintenance", () => {
    const held = decideAlerts(INITIAL_ALERT_STATE, failed(T0, { maintenance: true, flapping: true }));
    expect(held.alerts).toEqual([]);
    const ended = decideAlerts(held.state, input({ now: T0 + 60 * MIN, status: "FAILED", flapping: true }));
    expect(ended.alerts.map((a) => a.kind)).toEqual(["flapping"]);
    expect(ended.state.held).toBe("flapping");
  });
});
