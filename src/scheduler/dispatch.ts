import { loadConfig } from "../config/load.ts";
import type { Env } from "../env.ts";
import { mapLimit, MAX_CONNECTIONS } from "../lib/concurrency.ts";
import { dispatcherStub, proberStub } from "../objects/stubs.ts";
import { fanoutWidth, partition, probeTargets, type Range } from "./fanout.ts";

export interface DispatchReport {
  ticked: number;
  failed: number;
  errors: string[];
}

const MAX_ERRORS_REPORTED = 5;

function merge(reports: DispatchReport[]): DispatchReport {
  return {
    ticked: reports.reduce((n, r) => n + r.ticked, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    errors: reports.flatMap((r) => r.errors).slice(0, MAX_ERRORS_REPORTED),
  };
}

/**
 * Ticks the Prober objects of targets [start, end). A range wider than the fan-out width is
 * split and handed to Dispatcher objects, each its own invocation with its own subrequest
 * budget; so no invocation makes more than `width` subrequests, nor more than six at once.
 */
export async function dispatch(env: Env, range: Range): Promise<DispatchReport> {
  const loaded = loadConfig(env);
  if (!loaded.ok) return { ticked: 0, failed: 0, errors: ["config is invalid"] };
  const width = fanoutWidth(env.FANOUT_WIDTH);
  if (range.end - range.start <= width) {
    const targets = probeTargets(loaded.config).slice(range.start, range.end);
    const settled = await mapLimit(targets, MAX_CONNECTIONS, (t) => proberStub(env, t.plane, t.region).tick(t.plane, t.region));
    const errors = settled.flatMap((s, i) =>
      s.status === "rejected" ? [`${targets[i]!.plane}/${targets[i]!.region}: ${String(s.reason)}`] : [],
    );
    return { ticked: targets.length - errors.length, failed: errors.length, errors: errors.slice(0, MAX_ERRORS_REPORTED) };
  }
  const ranges = partition(range, width);
  const settled = await mapLimit(ranges, MAX_CONNECTIONS, (r) => dispatcherStub(env, r.start, r.end).dispatch(r));
  return merge(
    settled.map((s, i) =>
      s.status === "fulfilled"
        ? s.value
        : { ticked: 0, failed: ranges[i]!.end - ranges[i]!.start, errors: [`dispatcher ${ranges[i]!.start}-${ranges[i]!.end}: ${String(s.reason)}`] },
    ),
  );
}
