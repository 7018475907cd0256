import { probeName, type Config, type PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { allSummaryStubs } from "../objects/stubs.ts";
import { effectiveStatus } from "../status/evaluate.ts";
import { PUSH_REGION, type PlaneStatus } from "../status/model.ts";
import { emptySnapshot, type LatestResult, type PlaneSnapshot } from "../status/snapshot.ts";

/** A configured plane with what is known of it now. */
export interface PlaneView {
  plane: PlaneConfig;
  snapshot: PlaneSnapshot;
  /** The status a reader sees now (NO_VALUE once expired). */
  status: PlaneStatus;
  /** Latest results of configured (region, probe) pairs that are still within the TTL. */
  fresh: LatestResult[];
}

export function viewOf(plane: PlaneConfig, snapshot: PlaneSnapshot, now: number): PlaneView {
  const probes = new Set(plane.probes.map(probeName));
  const regions = new Set<string>([...plane.regions, PUSH_REGION]);
  const ttlMs = plane.statusTtlSeconds * 1000;
  return {
    plane,
    snapshot,
    status: effectiveStatus(snapshot, now),
    fresh: snapshot.results.filter((r) => regions.has(r.region) && probes.has(r.probe) && now - r.at < ttlMs),
  };
}

/**
 * Every configured plane, in config order, from the snapshots the Summary shards hold (the
 * newest wins if a plane moved shard). A plane that never reported reads NO_VALUE.
 */
export function mergeSnapshots(config: Config, shards: ReadonlyArray<readonly PlaneSnapshot[]>, now: number): PlaneView[] {
  const newest = new Map<string, PlaneSnapshot>();
  for (const snapshot of shards.flat()) {
    const current = newest.get(snapshot.plane);
    if (!current || current.version < snapshot.version) newest.set(snapshot.plane, snapshot);
  }
  return config.planes.map((plane) => viewOf(plane, newest.get(plane.id) ?? emptySnapshot(plane.id), now));
}

/** Every configured plane from the Summary shards: one read per shard, whatever the number of planes. */
export async function collectPlanes(env: Env, config: Config, now: number): Promise<PlaneView[]> {
  return mergeSnapshots(config, await Promise.all(allSummaryStubs(env).map((s) => s.list())), now);
}
