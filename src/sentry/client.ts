import { Toucan } from "toucan-js";
import pkg from "../../package.json" with { type: "json" };
import type { Env } from "../env.ts";
import { scrubSecrets } from "../secrets.ts";

export type Sentry = Toucan;
export type SentryEvent = Parameters<Toucan["captureEvent"]>[0];

/** Sentry is never waited for longer than this: an envelope still unanswered by then is given up. */
export const SENTRY_TIMEOUT_MS = 5_000;

/** Request headers an event may carry; everything else (Authorization, cookies, signatures) stays out. */
const SAFE_REQUEST_HEADERS = ["accept", "content-type", "content-length", "user-agent", "cf-ray", "cf-ipcountry"];
/** Query parameters an event may carry: any whose name does not suggest a credential. */
const SAFE_QUERY_PARAMETER = /^(?!.*(?:token|secret|sig|password|key|auth)).+$/i;

export interface SentryScope {
  env: Env;
  /** The invocation's waitUntil: sending happens beside the work, never in front of it. */
  waitUntil(promise: Promise<unknown>): void;
  /** The incoming request of a fetch invocation (headers and query are filtered, see above). */
  request?: Request;
  /** Told, for every envelope Sentry answered or failed to, its event id (if any) and whether Sentry took it. */
  onAnswer?: (eventId: string | undefined, accepted: boolean) => void;
}

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
 * The transport's fetch: bounded by SENTRY_TIMEOUT_MS, so a hanging Sentry holds nothing for
 * long, and reporting each answer. Its failures stay inside the SDK, which drops them.
 */
function boundedFetch(onAnswer: SentryScope["onAnswer"]): typeof fetch {
  return async (input, init) => {
    const eventId = envelopeEventId(init?.body);
    try {
      const response = await fetch(input, { ...init, signal: AbortSignal.timeout(SENTRY_TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) console.warn(`planewatch: Sentry answered ${response.status}; the envelope is dropped`);
      onAnswer?.(eventId, response.ok);
      return response;
    } catch (error) {
      console.warn(`planewatch: sending to Sentry failed: ${error instanceof Error ? error.message : String(error)}`);
      onAnswer?.(eventId, false);
      throw error;
    }
  };
}

let offLogged = false;

/**
 * A Sentry client for one invocation, or undefined when SENTRY_DSN is not set (then Sentry is
 * off, which is said once per isolate). Every event and breadcrumb is scrubbed of secrets.
 */
export function createSentry(scope: SentryScope): Sentry | undefined {
  const { env } = scope;
  if (!env.SENTRY_DSN) {
    if (!offLogged) console.log("planewatch: SENTRY_DSN is not set: Sentry is off (no alerts, no error reports)");
    offLogged = true;
    return undefined;
  }
  return new Toucan({
    dsn: env.SENTRY_DSN,
    release: env.SENTRY_RELEASE ?? `planewatch@${pkg.version}`,
    environment: env.SENTRY_ENVIRONMENT ?? "production",
    // The transport hands its sends to waitUntil; a failed send is logged already and must not
    // fail the invocation it rides on.
    context: { waitUntil: (promise) => scope.waitUntil(promise.catch(() => undefined)) },
    request: scope.request,
    // Deep enough for an alert's failing results (contexts → failing → results → result).
    normalizeDepth: 5,
    requestDataOptions: { allowedHeaders: SAFE_REQUEST_HEADERS, allowedSearchParams: SAFE_QUERY_PARAMETER },
    beforeSend: (event) => scrubSecrets(env, event),
    beforeBreadcrumb: (breadcrumb) => scrubSecrets(env, breadcrumb),
    transportOptions: { fetcher: boundedFetch(scope.onAnswer) },
  });
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
 * Sends events with the given ids and waits, at most the transport timeout, to learn which
 * ones Sentry took. Resending an id later cannot duplicate: Sentry keeps one event per id.
 */
export async function deliverEvents(
  scope: Omit<SentryScope, "onAnswer">,
  events: ReadonlyArray<{ id: string; event: SentryEvent }>,
): Promise<Set<string>> {
  const accepted = new Set<string>();
  const onAnswer = (id: string | undefined, ok: boolean) => {
    if (id !== undefined && ok) accepted.add(id);
  };
  const sentry = createSentry({ ...scope, onAnswer });
  if (!sentry) return accepted;
  quietly("sending events to Sentry", () => {
    for (const { id, event } of events) sentry.captureEvent(event, { event_id: id });
  });
  // The transport gives up at its timeout; the margin covers preparing the events.
  await sentry.getClient()?.flush(SENTRY_TIMEOUT_MS + 1_000);
  return accepted;
}
