import * as Sentry from "@sentry/cloudflare";
import type { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { ProbeResult } from "../status/model.ts";
import { quietly, sentryOptions } from "./client.ts";

export type Tags = Readonly<Record<string, string | undefined>>;

function definedTags(tags: Tags): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (value !== undefined) defined[key] = value;
  return defined;
}

/**
 * Tags everything the current invocation reports: where it came in (`entry_point`: `fetch`,
 * `scheduled`, `Plane.alarm`, …) and what it was about. The SDK gives each invocation its
 * own isolation scope, so the tags stay with this one.
 */
export function tagInvocation(entryPoint: string, tags: Tags = {}): void {
  quietly("tagging the Sentry scope", () => Sentry.getIsolationScope().setTags(definedTags({ entry_point: entryPoint, ...tags })));
}

/** Reports an error the invocation handled itself (the HTTP app's 500s); never throws itself. */
export function captureError(error: unknown, tags: Tags): void {
  quietly("reporting an error to Sentry", () => {
    Sentry.captureException(error, { tags: definedTags(tags) });
  });
}

/**
 * Results a probe produced by throwing (the runner turns that into `probe_error`): a bug of
 * planewatch, not a verdict on the plane, so on-call's Sentry hears of it with the probe's tags.
 */
/** The request a result's run sent, as tags on-call can search by, when a region ran it. */
function requestTags(r: Pick<ProbeResult, "traceparent" | "requestId">): Record<string, string> {
  return {
    ...(r.requestId === undefined ? {} : { request_id: r.requestId }),
    ...(r.traceparent === undefined ? {} : { traceparent: r.traceparent }),
  };
}

export function captureProbeErrors(results: readonly ProbeResult[]): void {
  const broken = results.filter((r) => r.reason === "probe_error");
  if (broken.length === 0) return;
  quietly("reporting probe errors to Sentry", () => {
    for (const r of broken) {
      Sentry.captureEvent({
        message: `probe ${r.probe} (${r.kind}) threw: ${r.message}`,
        level: "error",
        tags: { plane: r.plane, region: r.region, probe: r.probe, kind: r.kind, ...requestTags(r) },
      });
    }
  });
}

type ObjectClass<T> = new (ctx: DurableObjectState, env: Env) => T;

/**
 * The entry points of a Durable Object class: its public methods (RPC) and the handlers it
 * defines (alarm, fetch). Private helpers are not in `keyof`, and optional handlers it lacks
 * are not functions.
 */
export type EntryPoints<T> = Exclude<
  { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T],
  undefined | keyof Rpc.DurableObjectBranded
> &
  string;

/**
 * The object's state as the runtime made it, from the copy the SDK hands the object. The SDK's
 * copy opens a span for every SQL statement and storage call, and stores a trace link in the
 * object's storage at every alarm: a billed row written per alarm, and a fifth of the mesh's
 * CPU per probe (BENCHMARKS.md section 1), for traces planewatch does not take. Without the
 * copy's `originalStorage` the SDK keeps no links; it still captures each invocation's errors
 * and flushes them. The copy is an object over the state (`Object.create`): a state handed some
 * other way is used as it is.
 */
function runtimeState(ctx: DurableObjectState): DurableObjectState {
  if (!Object.hasOwn(ctx, "originalStorage")) return ctx;
  Object.defineProperty(ctx, "originalStorage", { value: undefined });
  return Object.getPrototypeOf(ctx) as DurableObjectState;
}

/**
 * A Durable Object class under the SDK's instrumentation (instrumentDurableObjectWithSentry:
 * errors of RPC methods and alarms captured and rethrown, a bounded flush in waitUntil), whose
 * every entry point first tags its invocation with what the object's name says (`tagsOf`). The
 * type makes the list exhaustive: a new RPC method does not compile until it is listed, so no
 * entry point goes untagged.
 *
 * The objects of an isolate share one client, which sends each event as it is captured:
 * building a client per invocation sets up every integration, which cost more CPU than an
 * HTTP probe's own fetch (BENCHMARKS.md section 1). Their env, and so the client's options
 * and the secrets it scrubs, is the isolate's. The Plane object's alerts learn whether
 * Sentry took them from Sentry's answers, not from a flush (src/sentry/client.ts
 * deliverEvents), so they need no client of their own.
 */
export function instrumentedObject<T extends DurableObject<Env>>(
  className: string,
  Base: ObjectClass<T>,
  entryPoints: Readonly<Record<EntryPoints<T>, true>>,
  tagsOf: (objectName: string) => Tags,
): ObjectClass<T> {
  const Tagged = class extends (Base as ObjectClass<DurableObject<Env>>) {
    constructor(ctx: DurableObjectState, env: Env) {
      super(runtimeState(ctx), env);
    }
  };
  const methods = Base.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of Object.keys(entryPoints)) {
    const original = methods[method]!;
    // A computed name, so stack frames (and Sentry's grouping) name the method, not the wrapper.
    const tagged = {
      [method](this: { ctx: DurableObjectState }, ...args: unknown[]) {
        const name = this.ctx.id.name;
        tagInvocation(`${className}.${method}`, name === undefined ? {} : tagsOf(name));
        return original.apply(this, args);
      },
    }[method];
    Object.defineProperty(Tagged.prototype, method, { configurable: true, writable: true, value: tagged });
  }
  // A shared client would drop an error like the one before it (dedupe): as another object's, it is news.
  const options = (env: Env) => ({ ...sentryOptions(env), cacheClient: true, enableDedupe: false });
  return Sentry.instrumentDurableObjectWithSentry(options, Tagged as unknown as ObjectClass<T>);
}
