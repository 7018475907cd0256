import type { ReasonCode } from "../status/reasons.ts";
import type { ProbeOutcome } from "./types.ts";

/** Messages end up in the API, metrics exemplars and history rows: keep them short. */
export const MAX_MESSAGE_CHARS = 300;
/** What a message quotes of what a target sent. */
const EXCERPT_CHARS = 80;

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/**
 * A message as it is stored: secrets replaced first, then cut, so no beginning of a secret
 * survives at the cut. Every probe's message passes here once (runProbe, async verdicts).
 */
export function finalMessage(message: string, redact: (text: string) => string): string {
  return cut(redact(message), MAX_MESSAGE_CHARS);
}

/** A quote of what a target sent, redacted before it is cut for the same reason. */
export function excerpt(text: string, redact: (text: string) => string): string {
  return cut(redact(text), EXCERPT_CHARS);
}

export function pass(latencyMs: number, message = "ok", httpStatus?: number): ProbeOutcome {
  return { ok: true, reason: "ok", latencyMs, httpStatus, message };
}

export function fail(reason: ReasonCode, message: string, latencyMs: number, httpStatus?: number): ProbeOutcome {
  return { ok: false, reason, latencyMs, httpStatus, message };
}

/**
 * A pass slower than `expect.maxLatencyMs` is a failure with reason slow: the plane works, too
 * slowly for its users. Failures and pending (submitted) runs stay as they are.
 */
export function withinLatencyLimit(outcome: ProbeOutcome, maxLatencyMs: number | undefined): ProbeOutcome {
  if (maxLatencyMs === undefined || outcome.reason !== "ok" || outcome.latencyMs <= maxLatencyMs) return outcome;
  const message = `passed in ${Math.round(outcome.latencyMs)} ms, slower than maxLatencyMs ${maxLatencyMs}`;
  return fail("slow", message, outcome.latencyMs, outcome.httpStatus);
}

/** A probe that needs the plane's API key, when the secret holding it is not set. */
export function credentialsMissing(secretName: string): ProbeOutcome {
  return fail("credentials_missing", `secret ${secretName} is not set`, 0);
}

/** Classifies an exception thrown by fetch/connect while the probe was running. */
export function failFromError(error: unknown, latencyMs: number, signal: AbortSignal): ProbeOutcome {
  if (signal.aborted) return fail("timeout", `no answer within the timeout (${Math.round(latencyMs)} ms)`, latencyMs);
  const message = error instanceof Error ? error.message : String(error);
  return fail("connection_failed", message, latencyMs);
}
