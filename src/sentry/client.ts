import * as Sentry from "@sentry/cloudflare";
import pkg from "../../package.json" with { type: "json" };
import type { Env } from "../env.ts";
import { scrubSecrets } from "../secrets.ts";

export type SentryEvent = Sentry.Event;

/**
 * Sentry is never waited for longer than this, per phase of a flush: an envelope still
 * unanswered by then is given up (the SDK aborts its send).
 */
export const SENTRY_TIMEOUT_MS = 5_000;

/** Request headers an event may carry; everything else (Authorization, cookies, signatures) stays out. */
const SAFE_REQUEST_HEADERS = new Set(["accept", "content-type", "content-length", "user-agent", "cf-ray", "cf-ipcountry"]);
/** Query parameters an event may carry: any whose name does not suggest a credential. */
const SAFE_QUERY_PARAMETER = /^(?!.*(?:token|secret|sig|password|key|auth)).+$/i;

/** Alerts waiting to learn whether Sentry took their event, by event id (see deliverEvents). */
const awaitingAnswer = new Map<string, (accepted: boolean) => void>();

/** The event id of a serialized envelope: its header line holds it (check-ins have none). */
function envelopeEventId(body: unknown): string | undefined {
  const text = typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined;
  if (text === undefined) return undefined;
  try {
    const end = text.indexOf("\n");
    const header = JSON.parse(end === -1 ? text : text.slice(0, end)) as { event_id?: unknown };
    return typeof header.event_id === "string" ? header.event_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The transport's fetch: says what Sentry answered to the alert waiting for it, and logs a
 * refusal. Its failures stay inside the SDK, which drops them; the SDK aborts a send that
 * outlives its flush's bound.
 */
const answeringFetch: typeof fetch = async (input, init) => {
  const eventId = envelopeEventId(init?.body);
  try {
    const response = await fetch(input, init);
    if (!response.ok) console.warn(`planewatch: Sentry answered ${response.status}; the envelope is dropped`);
    if (eventId !== undefined) awaitingAnswer.get(eventId)?.(response.ok);
    return response;
  } catch (error) {
    console.warn(`planewatch: sending to Sentry failed: ${error instanceof Error ? error.message : String(error)}`);
    if (eventId !== undefined) awaitingAnswer.get(eventId)?.(false);
    throw error;
  }
};

/** An event's request, cut to what may be shown: safe headers, no cookies, no credential in the query. */
function safeRequest(event: Sentry.ErrorEvent): Sentry.ErrorEvent {
  const request = event.request;
  if (!request) return event;
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).filter(([name]) => SAFE_REQUEST_HEADERS.has(name.toLowerCase())),
  );
  const query = new URLSearchParams(typeof request.query_string === "string" ? request.query_string : "");
  for (const name of [...query.keys()]) if (!SAFE_QUERY_PARAMETER.test(name)) query.delete(name);
  const url = request.url === undefined ? undefined : request.url.split("?")[0];
  const { cookies: _cookies, data: _data, env: _env, ...rest } = request;
  return { ...event, request: { ...rest, url, headers, query_string: query.toString() || undefined } };
}

let offLogged = false;

/**
 * The SDK's options for one invocation (withSentry's for the Worker's entry points,
 * reportFromObject's for the Durable Objects'). Without SENTRY_DSN the SDK stays off, which is said
 * once per isolate. Every event and breadcrumb is scrubbed of secrets.
 */
export function sentryOptions(env: Env): Sentry.CloudflareOptions {
  if (!env.SENTRY_DSN && !offLogged) {
    console.log("planewatch: SENTRY_DSN is not set: Sentry is off (no alerts, no error reports)");
    offLogged = true;
  }
  return {
    dsn: env.SENTRY_DSN || undefined,
    release: env.SENTRY_RELEASE ?? `planewatch@${pkg.version}`,
    environment: env.SENTRY_ENVIRONMENT ?? "production",
    // A client per invocation, created from that invocation's env: a client cached across
    // invocations keeps the options (and the secrets to scrub) of the first, and a cron's
    // check-in captured before the cached client is bound to the invocation is lost.
    cacheClient: false,
    // Deep enough for an alert's failing results (contexts → failing → results → result).
    normalizeDepth: 5,
    beforeSend: (event) => scrubSecrets(env, safeRequest(event)),
    beforeBreadcrumb: (breadcrumb) => scrubSecrets(env, breadcrumb),
    transportOptions: { fetch: answeringFetch },
  };
}

/** Runs a Sentry call so that no failure of Sentry's ever reaches the work it reports on. */
export function quietly(what: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    console.error(`planewatch: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Sends events with the given ids through the invocation's client and flushes it (bounded
 * by SENTRY_TIMEOUT_MS per phase) to learn which ones Sentry took. Resending an id later
 * cannot duplicate: Sentry keeps one event per id.
 */
export async function deliverEvents(events: ReadonlyArray<{ id: string; event: SentryEvent }>): Promise<Set<string>> {
  const accepted = new Set<string>();
  if (!Sentry.getClient()?.getDsn()) return accepted;
  for (const { id } of events) {
    awaitingAnswer.set(id, (ok) => {
      if (ok) accepted.add(id);
    });
  }
  try {
    quietly("sending events to Sentry", () => {
      for (const { id, event } of events) Sentry.captureEvent(event, { event_id: id });
    });
    await Sentry.flush(SENTRY_TIMEOUT_MS);
  } finally {
    for (const { id } of events) awaitingAnswer.delete(id);
  }
  return accepted;
}
