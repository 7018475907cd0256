/**
 * What makes a probe request findable in the plane's own logs: a W3C Trace Context
 * `traceparent` and an `X-Request-ID`, new for every attempt, sent with every request the
 * attempt makes and kept with its result (API, page, history, Sentry).
 */
export interface ProbeTrace {
  /** `00-{trace id}-{parent id}-01`: version 0, sampled, so a tracing plane records the request. */
  traceparent: string;
  /** A UUID, the form most request-logging middleware prints as is. */
  requestId: string;
}

export const TRACEPARENT_HEADER = "traceparent";
export const REQUEST_ID_HEADER = "x-request-id";

/** A version-0 traceparent: trace id and parent id in lower-case hex, neither all zeros (the spec's invalid value). */
export const TRACEPARENT_PATTERN = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-0[01]$/;

function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  // All zeros is the spec's invalid id: never send it, however unlikely the draw.
  if (random.every((b) => b === 0)) random[bytes - 1] = 1;
  return Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function newTrace(): ProbeTrace {
  return { traceparent: `00-${randomHex(16)}-${randomHex(8)}-01`, requestId: crypto.randomUUID() };
}

/** The trace as request headers; a header the probe's config sets itself is left as configured. */
export function withTraceHeaders(headers: HeadersInit | undefined, trace: ProbeTrace): Headers {
  const merged = new Headers(headers);
  if (!merged.has(TRACEPARENT_HEADER)) merged.set(TRACEPARENT_HEADER, trace.traceparent);
  if (!merged.has(REQUEST_ID_HEADER)) merged.set(REQUEST_ID_HEADER, trace.requestId);
  return merged;
}
