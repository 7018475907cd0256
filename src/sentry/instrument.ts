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

/** The request a result's run sent, as tags on-call can search by, when a region ran it. */
function requestTags(r: Pick<ProbeResult, "traceparent" | "requestId">): Record<string, string> {
  return {
    ...(r.requestId === undefined ? {} : { request_id: r.requestId }),
    ...(r.traceparent === undefined ? {} : { traceparent: r.traceparent }),
  };
}

type ObjectClass<T> = new (ctx: DurableObjectState, env: Env) => T;

/**
 * One call of a Durable Object into Sentry (see reportFromObject). The SDK makes a client only
 * for an invocation it instruments: instrumented as an object class and made for each call,
 * each call of `send` is one.
 */
class Report {
  send<T>({ entry_point, ...tags }: Tags & { entry_point: string }, run: () => T): T {
    tagInvocation(entry_point, tags);
    return run();
  }
}

const SentryReport = Sentry.instrumentDurableObjectWithSentry(
  sentryOptions,
  Report as unknown as ObjectClass<DurableObject<Env>>,
) as unknown as ObjectClass<Report>;

/**
 * Runs `run` (captures, a delivery) as one invocation of the SDK's own, made for it: a client
 * of its own, a scope tagged with `tags`, a bounded flush in waitUntil. The Durable Objects
 * enter Sentry only this way, when they have something to send: the SDK's
 * instrumentDurableObjectWithSentry gives every invocation a scope, a trace and a span, and wraps
 * every method of the class and every binding of its env, which cost about a seventh of the
 * mesh's CPU per probe (BENCHMARKS.md section 1) for traces planewatch does not take.
 */
export function reportFromObject<T>(ctx: DurableObjectState, env: Env, tags: Tags & { entry_point: string }, run: () => T): T {
  return new SentryReport(ctx, env).send(tags, run);
}

/**
 * Results a probe produced by throwing (the runner turns that into `probe_error`): a bug of
 * planewatch, not a verdict on the plane, so on-call's Sentry hears of it with the probe's tags.
 */
export function captureProbeErrors(ctx: DurableObjectState, env: Env, results: readonly ProbeResult[]): void {
  const broken = results.filter((r) => r.reason === "probe_error");
  if (broken.length === 0) return;
  quietly("reporting probe errors to Sentry", () =>
    reportFromObject(ctx, env, { entry_point: "Prober.alarm" }, () => {
      for (const r of broken) {
        Sentry.captureEvent({
          message: `probe ${r.probe} (${r.kind}) threw: ${r.message}`,
          level: "error",
          tags: { plane: r.plane, region: r.region, probe: r.probe, kind: r.kind, ...requestTags(r) },
        });
      }
    }),
  );
}

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
 * A Durable Object class whose every entry point reports what it throws to Sentry, tagged
 * with the entry point and what the object's name says (`tagsOf`), and rethrows it: the
 * caller gets the error as before, an alarm is retried. The type makes the list exhaustive:
 * a new RPC method does not compile until it is listed, so no entry point goes unreported.
 */
export function instrumentedObject<T extends DurableObject<Env>>(
  className: string,
  Base: ObjectClass<T>,
  entryPoints: Readonly<Record<EntryPoints<T>, true>>,
  tagsOf: (objectName: string) => Tags,
): ObjectClass<T> {
  const Reporting = class extends (Base as ObjectClass<DurableObject<Env>>) {};
  const methods = Base.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of Object.keys(entryPoints)) {
    const original = methods[method]!;
    // A computed name, so stack frames (and Sentry's grouping) name the method, not the wrapper.
    const reporting = {
      async [method](this: { ctx: DurableObjectState; env: Env }, ...args: unknown[]) {
        try {
          return await original.apply(this, args);
        } catch (error) {
          const name = this.ctx.id.name;
          const tags = { entry_point: `${className}.${method}`, ...(name === undefined ? {} : tagsOf(name)) };
          quietly("reporting an error to Sentry", () =>
            reportFromObject(this.ctx, this.env, tags, () =>
              Sentry.captureException(error, { mechanism: { type: "auto.faas.cloudflare.durable_object", handled: false } }),
            ),
          );
          throw error;
        }
      },
    }[method];
    Object.defineProperty(Reporting.prototype, method, { configurable: true, writable: true, value: reporting });
  }
  return Reporting as unknown as ObjectClass<T>;
}
