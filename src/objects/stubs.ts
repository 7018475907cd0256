import type { Env } from "../env.ts";
import { fnv1a } from "../lib/hash.ts";

/** The Prober object of one (plane, region), created near that region. */
export function proberStub(env: Env, plane: string, region: string) {
  return env.PROBER.get(env.PROBER.idFromName(`${plane}/${region}`), {
    locationHint: region as DurableObjectLocationHint,
  });
}

export function planeStub(env: Env, plane: string) {
  return env.PLANE.get(env.PLANE.idFromName(plane));
}

export function dispatcherStub(env: Env, start: number, end: number) {
  return env.DISPATCHER.get(env.DISPATCHER.idFromName(`${start}-${end}`));
}

const DEFAULT_SUMMARY_SHARDS = 4;

export function summaryShardCount(env: Env): number {
  const n = Number(env.SUMMARY_SHARDS ?? DEFAULT_SUMMARY_SHARDS);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : DEFAULT_SUMMARY_SHARDS;
}

function summaryShard(env: Env, shard: number) {
  return env.SUMMARY.get(env.SUMMARY.idFromName(`summary-${shard}`));
}

/** The Summary shard a plane publishes to. */
export function summaryStubFor(env: Env, plane: string) {
  return summaryShard(env, fnv1a(plane) % summaryShardCount(env));
}

export function allSummaryStubs(env: Env) {
  return Array.from({ length: summaryShardCount(env) }, (_, shard) => summaryShard(env, shard));
}
