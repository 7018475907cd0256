import type { MaintenanceNote } from "./maintenance.ts";
import { reasonOf } from "./reasons.ts";

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

/** What a failure for this reason says about the plane, as the reasons registry classes it; an unregistered code reads FAILED. */
export function failureClass(reason: string): FailureClass {
  const status = reasonOf(reason)?.status;
  return status === "NO_USER" || status === "NO_ORACLE" ? status : "FAILED";
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
  /** Attempts the run took with fast retries (the last one is this result); absent where no Prober ran it. */
  attempts?: number;
  /** The W3C traceparent and X-Request-ID the counted attempt's requests carried; absent where no Prober ran it. */
  traceparent?: string;
  requestId?: string;
  /** What a streamed answer measured, for the kinds that read one (chat_completions, streamed sync_predict). */
  figures?: StreamFigures;
}

/**
 * Figures of a streamed answer, in milliseconds, tokens and tokens a second. Each is set only
 * when the run measured it: a stream cut before its first token has no time to first token.
 */
export interface StreamFigures {
  /** From the start of the request to the first byte of the body. */
  timeToFirstByteMs?: number;
  /** From the start of the request to the first content delta. */
  timeToFirstTokenMs?: number;
  /** `usage.completion_tokens` when the answer sends it, else the content chunks counted. */
  outputTokens?: number;
  /** Tokens after the first, over the time from the first content chunk to the last. */
  tokensPerSecond?: number;
  /** The longest wait between two events after the first content chunk. */
  maxInterTokenGapMs?: number;
}

/** A change of a plane's status, with what caused it. */
export interface Transition {
  plane: string;
  at: number;
  from: PlaneStatus;
  to: PlaneStatus;
  /** The failing (region, probe, reason) triples at the time, empty when recovering. */
  failing: FailingProbe[];
  /** The maintenance window it happened in, or the window an API action set or ended (from = to); null outside any. */
  maintenance?: MaintenanceNote | null;
}

export interface FailingProbe {
  region: string;
  probe: string;
  reason: string;
}
