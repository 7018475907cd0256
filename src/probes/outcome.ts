import type { ProbeOutcome } from "./types.ts";

/** Messages end up in the API, metrics exemplars and history rows: keep them short. */
export const MAX_MESSAGE_CHARS = 300;

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

export function pass(latencyMs: number, message = "ok", httpStatus?: number): ProbeOutcome {
  return { ok: true, reason: "ok", latencyMs, httpStatus, message: clip(message) };
}

export function fail(reason: string, message: string, latencyMs: number, httpStatus?: number): ProbeOutcome {
  return { ok: false, reason, latencyMs, httpStatus, message: clip(message) };
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
