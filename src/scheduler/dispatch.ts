import { loadConfig } from "../config/load.ts";
import type { Env } from "../env.ts";
import { mapLimit, MAX_CONNECTIONS } from "../lib/concurrency.ts";
import { dispatcherStub, proberStub } from "../objects/stubs.ts";
import { fanoutWidth, probeTargets, split, type Range } from "./fanout.ts";

export interface DispatchReport {
  ticked: number;
  failed: number;
  errors: string[];
  /** Invocations of the subtree (this one and every Dispatcher below it). */
  invocations: number;
  /** The most subrequests any one invocation of the subtree made: never more than the width. */
  mostSubrequests: number;
}

const MAX_ERRORS_REPORTED = 5;

function merge(own: number, reports: DispatchReport[]): DispatchReport {
  return {
    ticked: reports.reduce((n, r) => n + r.ticked, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    errors: reports.flatMap((r) => r.errors).slice(0, MAX_ERRORS_REPORTED),
    invocations: 1 + reports.reduce((n, r) => n + r.invocations, 0),
    mostSubrequests: Math.max(own, ...reports.map((r) => r.mostSubrequests)),
  };
}

/**
 * Ticks the Prober objects of targets [start, end). A range wider than the fan-out width is
 * split and handed to Dispatcher objects, each its own invocation with its own subrequest
 * budget; so no invocation makes more than `width` subrequests, nor more than six at once.
 * The root reads the width once and passes it down, so one tick is one consistent tree.
 */
export async function dispatch(env: Env, range: Range, width = fanoutWidth(env.FANOUT_WIDTH)): Promise<DispatchReport> {
  const loaded = loadConfig(env);
  if (!loaded.ok) return { ticked: 0, failed: 0, errors: ["config is invalid"], invocations: 1, mostSubrequests: 0 };
  if (range.end - range.start <= width) {
    const targets = probeTargets(loaded.config).slice(range.start, range.end);
    const settled = await mapLimit(targets, MAX_CONNECTIONS, (t) => proberStub(env, t.plane, t.region).tick(t.plane, t.region));
    const errors = settled.flatMap((s, i) =>
      s.status === "rejected" ? [`${targets[i]!.plane}/${targets[i]!.region}: ${String(s.reason)}`] : [],
    );
    return {
      ticked: targets.length - errors.length,
      failed: errors.length,
      errors: errors.slice(0, MAX_ERRORS_REPORTED),
      invocations: 1,
      mostSubrequests: targets.length,
    };
  }
  const ranges = split(range, width);
  const settled = await mapLimit(ranges, MAX_CONNECTIONS, (r) => dispatcherStub(env, r.start, r.end).dispatch(r, width));
  return merge(
    ranges.length,
    settled.map((s, i) =>
      s.status === "fulfilled"
        ? s.value
        : {
            ticked: 0,
            failed: ranges[i]!.end - ranges[i]!.start,
            errors: [`dispatcher ${ranges[i]!.start}-${ranges[i]!.end}: ${String(s.reason)}`],
            invocations: 0,
            mostSubrequests: 0,
          },
    ),
  );
}
