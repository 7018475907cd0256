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
 * (`reminder`), it is OK again after an alert (`resolution`, whose `previous` is the status
 * it leaves and `since` when that one began), it changes status too often to alert on each
 * change (`flapping`, `since` when the flag was raised), or it stopped (`settled`).
 */
export interface PlaneAlert {
  kind: "transition" | "reminder" | "resolution" | "flapping" | "settled";
  plane: string;
  status: PlaneStatus;
  previous: PlaneStatus;
  at: number;
  since: number;
  failing: FailingResult[];
  /** The newest result of any probe, so a NO_VALUE alert says since when nothing came. */
  lastResultAt: number | null;
  /** Why the alert waited until now, when it did: a maintenance window ended, or the plane stopped flapping. */
  heldBy?: "maintenance" | "flapping";
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

/**
 * What the Plane object keeps between evaluations to decide alerts: the open incident, whether
 * Sentry was told the plane flaps, and whether alerts were held (maintenance or flapping) at
 * the last evaluation.
 */
export interface AlertState {
  incident: Incident | null;
  flappingAlerted: boolean;
  held: "maintenance" | "flapping" | null;
}

export const INITIAL_ALERT_STATE: AlertState = { incident: null, flappingAlerted: false, held: null };

/** One evaluation of a plane, as the alert decisions need it. */
export interface AlertInput {
  plane: string;
  now: number;
  status: PlaneStatus;
  /** When the plane entered `status`. */
  since: number;
  transition: Transition | null;
  failing: readonly FailingProbe[];
  results: readonly LatestResult[];
  maintenance: boolean;
  flapping: boolean;
  /** Since when the plane flaps (when the flag was raised); only read while it does. */
  flappingSince: number;
  reminderMs: number;
}

/**
 * After alerts were held: tells on-call what stands now, as if the held changes had been one.
 * A bad status other than the one alerted opens an incident; OK resolves the open one; the
 * status already alerted goes on with its reminders.
 */
function reconcile(
  incident: Incident | null,
  input: AlertInput,
  heldBy: "maintenance" | "flapping",
): { incident: Incident | null; alert: PlaneAlert | null } {
  const { plane, now, status, since, results } = input;
  const lastResult = lastResultAt(results);
  if (status === "OK") {
    if (!incident) return { incident: null, alert: null };
    const alert: PlaneAlert = {
      kind: "resolution",
      plane,
      status,
      previous: incident.status,
      at: now,
      since: incident.since,
      failing: [],
      lastResultAt: lastResult,
      heldBy,
    };
    return { incident: null, alert };
  }
  if (incident?.status === status) return { incident, alert: null };
  return {
    incident: { status, since, notifiedAt: now },
    alert: {
      kind: "transition",
      plane,
      status,
      previous: incident?.status ?? "OK",
      at: now,
      since,
      failing: failingResults(input.failing, results),
      lastResultAt: lastResult,
      heldBy,
    },
  };
}

/**
 * Every alert decision of one evaluation, as one function of what was kept and what is now.
 * During a maintenance window nothing is sent; while the plane flaps, one `flapping` alert is
 * sent instead of one per change, and `settled` once it stops. When alerts stop being held,
 * what stands then is alerted (reconcile). Otherwise a transition alerts and a persisting bad
 * status reminds.
 */
export function decideAlerts(state: AlertState, input: AlertInput): { state: AlertState; alerts: PlaneAlert[] } {
  const { plane, now, status, results } = input;
  const alerts: PlaneAlert[] = [];
  let { incident, flappingAlerted } = state;
  const notice = (kind: "flapping" | "settled", since: number): PlaneAlert => ({
    kind,
    plane,
    status,
    previous: status,
    at: now,
    since,
    failing: failingResults(input.failing, results),
    lastResultAt: lastResultAt(results),
  });
  if (!input.maintenance && input.flapping !== flappingAlerted) {
    alerts.push(notice(input.flapping ? "flapping" : "settled", input.flapping ? input.flappingSince : now));
    flappingAlerted = input.flapping;
  }
  const held = input.maintenance ? "maintenance" : input.flapping ? "flapping" : null;
  if (held) return { state: { incident, flappingAlerted, held }, alerts };
  if (state.held) {
    const next = reconcile(incident, input, state.held);
    incident = next.incident;
    if (next.alert) alerts.push(next.alert);
  } else if (input.transition) {
    const next = onTransition(incident, input.transition, results);
    incident = next.incident;
    if (next.alert) alerts.push(next.alert);
  } else if (incident && reminderDueAt(incident, input.reminderMs) <= now) {
    const next = remind(incident, plane, input.failing, results, now);
    incident = next.incident;
    alerts.push(next.alert);
  }
  return { state: { incident, flappingAlerted, held: null }, alerts };
}
