/** The plane's verdict, in the vocabulary of the existing runbook. */
export const PLANE_STATUSES = ["OK", "DEGRADED", "FAILED", "NO_USER", "NO_ORACLE", "NO_VALUE"] as const;
export type PlaneStatus = (typeof PLANE_STATUSES)[number];

/** What a failing probe says about the plane. */
export type FailureClass = "NO_USER" | "NO_ORACLE" | "FAILED";

/** Highest first: when several apply, the first one wins. NO_VALUE stands apart (expiry). */
const PRECEDENCE: readonly PlaneStatus[] = ["NO_USER", "NO_ORACLE", "FAILED", "DEGRADED", "OK"];

export function worse(a: PlaneStatus, b: PlaneStatus): PlaneStatus {
  return PRECEDENCE.indexOf(a) <= PRECEDENCE.indexOf(b) ? a : b;
}

/** Reasons that mean the probe identity is missing or refused, or the health-check model is gone. */
const NO_USER_REASONS = new Set(["credentials_missing", "unauthorized"]);
const NO_ORACLE_REASONS = new Set(["model_not_found"]);

export function failureClass(reason: string): FailureClass {
  if (NO_USER_REASONS.has(reason)) return "NO_USER";
  if (NO_ORACLE_REASONS.has(reason)) return "NO_ORACLE";
  return "FAILED";
}

/**
 * The region label of results that come from no region: heartbeats pushed to the mesh. Such a
 * probe has one verdict for the whole plane, so quorum over regions does not apply to it.
 */
export const PUSH_REGION = "push";

/** One run of one probe from one region. Times are epoch milliseconds. */
export interface ProbeResult {
  plane: string;
  region: string;
  probe: string;
  kind: string;
  /** When the probe started. */
  at: number;
  ok: boolean;
  reason: string;
  latencyMs: number;
  httpStatus: number | null;
  message: string;
}

/** A change of a plane's status, with what caused it. */
export interface Transition {
  plane: string;
  at: number;
  from: PlaneStatus;
  to: PlaneStatus;
  /** The failing (region, probe, reason) triples at the time, empty when recovering. */
  failing: FailingProbe[];
}

export interface FailingProbe {
  region: string;
  probe: string;
  reason: string;
}
