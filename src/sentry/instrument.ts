import type { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { ProbeResult } from "../status/model.ts";
import { createSentry, quietly, type SentryScope } from "./client.ts";

export type Tags = Readonly<Record<string, string | undefined>>;

/** One run of an entry point: where it came in (`fetch`, `scheduled`, `Plane.alarm`, …) and what it was about. */
export interface Invocation extends SentryScope {
  entryPoint: string;
  tags?: Tags;
}

function definedTags(invocation: Invocation): Record<string, string> {
  const tags: Record<string, string> = { entry_point: invocation.entryPoint };
  for (const [key, value] of Object.entries(invocation.tags ?? {})) if (value !== undefined) tags[key] = value;
  return tags;
}

/** Reports an error to Sentry with the invocation's tags; never throws itself. */
export function captureError(invocation: Invocation, error: unknown): void {
  quietly("reporting an error to Sentry", () => {
    const sentry = createSentry(invocation);
    sentry?.setTags(definedTags(invocation));
    sentry?.captureException(error);
  });
}

/**
 * Runs an entry point; an error is reported to Sentry and rethrown, so the invocation fails
 * exactly as it would without Sentry (an alarm is retried, an RPC caller sees the error).
 */
export async function instrumented<T>(invocation: Invocation, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    captureError(invocation, error);
    throw error;
  }
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

export function captureProbeErrors(invocation: Invocation, results: readonly ProbeResult[]): void {
  const broken = results.filter((r) => r.reason === "probe_error");
  if (broken.length === 0) return;
  quietly("reporting probe errors to Sentry", () => {
    const sentry = createSentry(invocation);
    for (const r of broken) {
      sentry?.captureEvent({
        message: `probe ${r.probe} (${r.kind}) threw: ${r.message}`,
        level: "error",
        tags: { ...definedTags(invocation), plane: r.plane, region: r.region, probe: r.probe, kind: r.kind, ...requestTags(r) },
      });
    }
  });
}

/** The invocation of a Durable Object's entry point (`Prober.alarm`, …). */
export function objectInvocation(ctx: DurableObjectState, env: Env, entryPoint: string, tags: Tags): Invocation {
  return { env, waitUntil: (promise) => ctx.waitUntil(promise), entryPoint, tags };
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
 * A subclass of a Durable Object class whose every entry point runs `instrumented`, tagged
 * with what the object's name says (`tagsOf`). The type makes the list exhaustive: a new RPC
 * method does not compile until it is listed, so no entry point goes unwatched.
 */
export function instrumentedObject<T extends DurableObject<Env>>(
  className: string,
  Base: ObjectClass<T>,
  entryPoints: Readonly<Record<EntryPoints<T>, true>>,
  tagsOf: (objectName: string) => Tags,
): ObjectClass<T> {
  const scopes = new WeakMap<object, { ctx: DurableObjectState; env: Env }>();
  const Instrumented = class extends (Base as ObjectClass<DurableObject<Env>>) {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      scopes.set(this, { ctx, env });
    }
  };
  const methods = Base.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of Object.keys(entryPoints)) {
    const original = methods[method]!;
    // A computed name, so stack frames (and Sentry's grouping) name the method, not the wrapper.
    const wrapped = {
      [method](this: object, ...args: unknown[]) {
        const { ctx, env } = scopes.get(this)!;
        const name = ctx.id.name;
        const invocation = objectInvocation(ctx, env, `${className}.${method}`, name === undefined ? {} : tagsOf(name));
        return instrumented(invocation, async () => original.apply(this, args));
      },
    }[method];
    Object.defineProperty(Instrumented.prototype, method, { configurable: true, writable: true, value: wrapped });
  }
  return Instrumented as unknown as ObjectClass<T>;
}
