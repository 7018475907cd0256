import type { FailingProbe, PlaneStatus, Transition } from "./model.ts";
import type { LatestResult } from "./snapshot.ts";

/** The statuses that raise an alert when a plane enters them, and how loud. OK resolves instead. */
export const ALERT_LEVEL: Readonly<Record<Exclude<PlaneStatus, "OK">, "error" | "warning">> = {
  NO_USER: "error",
  NO_ORACLE: "error",
  FAILED: "error",
  DEGRADED: "warning",
  NO_VALUE: "warning",
};

export const DEFAULT_REMINDER_MINUTES = 30;

/** Minutes between reminders (ALERT_REMINDER_MINUTES) in ms; 0 turns reminders off (Infinity). */
export function reminderIntervalMs(value: string | undefined): number {
  const minutes = Number(value ?? DEFAULT_REMINDER_MINUTES);
  if (!Number.isFinite(minutes) || minutes < 0) return DEFAULT_REMINDER_MINUTES * 60_000;
  return minutes === 0 ? Infinity : minutes * 60_000;
}

/** One failing (region, probe) with what its latest result said. */
export interface FailingResult {
  region: string;
  probe: string;
  reason: string;
  httpStatus: number | null;
  latencyMs: number | null;
  message: string;
  /** When that result was taken (epoch ms), null if there is none. */
  at: number | null;
  /** The traceparent and X-Request-ID its requests carried, null when no region ran it. */
  traceparent: string | null;
  requestId: string | null;
}

/**
 * What to tell on-call about a plane: it entered a status (`transition`), it is still in it
 * (`reminder`), or it is OK again after an alert (`resolution`, whose `previous` is the status
 * it leaves and `since` when that one began).
 */
export interface PlaneAlert {
  kind: "transition" | "reminder" | "resolution";
  plane: string;
  status: PlaneStatus;
  previous: PlaneStatus;
  at: number;
  since: number;
  failing: FailingResult[];
  /** The newest result of any probe, so a NO_VALUE alert says since when nothing came. */
  lastResultAt: number | null;
}

/** The alert a plane is in: the non-OK status last alerted, since when, and when on-call last heard. */
export interface Incident {
  status: PlaneStatus;
  since: number;
  notifiedAt: number;
}

export function failingResults(failing: readonly FailingProbe[], results: readonly LatestResult[]): FailingResult[] {
  return failing.map((f) => {
    const result = results.find((r) => r.region === f.region && r.probe === f.probe);
    return {
      region: f.region,
      probe: f.probe,
      reason: f.reason,
      httpStatus: result?.httpStatus ?? null,
      latencyMs: result?.latencyMs ?? null,
      message: result?.message ?? "",
      at: result?.at ?? null,
      traceparent: result?.traceparent ?? null,
      requestId: result?.requestId ?? null,
    };
  });
}

function lastResultAt(results: readonly LatestResult[]): number | null {
  return results.length === 0 ? null : Math.max(...results.map((r) => r.at));
}

/**
 * What a transition means for on-call. Entering a non-OK status opens (or replaces) the
 * incident and alerts. Entering OK resolves the open incident; with none open (a new plane's
 * first NO_VALUE → OK, which is a start, not a recovery) nothing is sent.
 */
export function onTransition(
  incident: Incident | null,
  transition: Transition,
  results: readonly LatestResult[],
): { incident: Incident | null; alert: PlaneAlert | null } {
  const { plane, at, from, to } = transition;
  if (to === "OK") {
    if (!incident) return { incident: null, alert: null };
    return {
      incident: null,
      alert: {
        kind: "resolution",
        plane,
        status: "OK",
        previous: incident.status,
        at,
        since: incident.since,
        failing: [],
        lastResultAt: lastResultAt(results),
      },
    };
  }
  return {
    incident: { status: to, since: at, notifiedAt: at },
    alert: {
      kind: "transition",
      plane,
      status: to,
      previous: from,
      at,
      since: at,
      failing: failingResults(transition.failing, results),
      lastResultAt: lastResultAt(results),
    },
  };
}

/** When the open incident's next reminder is due; Infinity with no incident or reminders off. */
export function reminderDueAt(incident: Incident | null, intervalMs: number): number {
  return incident ? incident.notifiedAt + intervalMs : Infinity;
}

/** The reminder of a persisting incident, with what fails now. */
export function remind(
  incident: Incident,
  plane: string,
  failing: readonly FailingProbe[],
  results: readonly LatestResult[],
  now: number,
): { incident: Incident; alert: PlaneAlert } {
  return {
    incident: { ...incident, notifiedAt: now },
    alert: {
      kind: "reminder",
      plane,
      status: incident.status,
      previous: incident.status,
      at: now,
      since: incident.since,
      failing: failingResults(failing, results),
      lastResultAt: lastResultAt(results),
    },
  };
}
