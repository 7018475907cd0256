import { loadConfig } from "../config/load.ts";
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
const MAX_SUMMARY_SHARDS = 256;
/**
 * Planes one Summary shard holds at most: more planes get more shards, so a shard's publish
 * rate (about one per plane and region a minute) and the snapshots one scrape reads from it
 * stay bounded however many planes there are.
 */
export const PLANES_PER_SUMMARY_SHARD = 1_000;

/** SUMMARY_SHARDS, raised to one shard per PLANES_PER_SUMMARY_SHARD planes. */
export function summaryShardCount(env: Env): number {
  const n = Number(env.SUMMARY_SHARDS ?? DEFAULT_SUMMARY_SHARDS);
  const configured = Number.isInteger(n) && n >= 1 && n <= MAX_SUMMARY_SHARDS ? n : DEFAULT_SUMMARY_SHARDS;
  const loaded = loadConfig(env);
  const needed = loaded.ok ? Math.ceil(loaded.config.planes.length / PLANES_PER_SUMMARY_SHARD) : 0;
  return Math.min(MAX_SUMMARY_SHARDS, Math.max(configured, needed));
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
