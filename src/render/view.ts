import { probeName, type Config, type PlaneConfig } from "../config/schema.ts";
import { effectiveStatus } from "../status/evaluate.ts";
import type { ActiveMaintenance } from "../status/maintenance.ts";
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
  /** The maintenance window the plane is in now, null outside any. */
  maintenance: ActiveMaintenance | null;
  /** Whether the plane changes status too often to alert on each change. */
  flapping: boolean;
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
    // A window that ended since the snapshot was published is over, whatever it says.
    maintenance: snapshot.maintenance && now < snapshot.maintenance.until ? snapshot.maintenance : null,
    flapping: snapshot.flapping ?? false,
  };
}

/** When the view of a snapshot changes with time alone: its status expires, its maintenance window ends, or a result leaves the TTL. */
export function viewChangesAt(plane: PlaneConfig, snapshot: PlaneSnapshot, now: number): number {
  const ttlMs = plane.statusTtlSeconds * 1000;
  const times = [snapshot.expiresAt ?? Infinity, snapshot.maintenance?.until ?? Infinity, ...snapshot.results.map((r) => r.at + ttlMs)];
  return Math.min(...times.filter((t) => t > now));
}

/** What the Summary shards hold of a plane, and which of its snapshots it is. */
interface Versioned {
  plane: string;
  version: number;
}

/** Of each plane, what the newest snapshot gave (a plane may be in two shards while it moves). */
export function newestByPlane<T extends Versioned>(shards: ReadonlyArray<readonly T[]>): Map<string, T> {
  const newest = new Map<string, T>();
  for (const item of shards.flat()) {
    const current = newest.get(item.plane);
    if (!current || current.version < item.version) newest.set(item.plane, item);
  }
  return newest;
}

/**
 * Every configured plane, in config order, from the snapshots the Summary shards hold. A plane
 * that never reported reads NO_VALUE.
 */
export function mergeSnapshots(config: Config, shards: ReadonlyArray<readonly PlaneSnapshot[]>, now: number): PlaneView[] {
  const newest = newestByPlane(shards);
  return config.planes.map((plane) => viewOf(plane, newest.get(plane.id) ?? emptySnapshot(plane.id), now));
}

/** A plane's exposition lines (renderPlane) as a Summary shard keeps them. */
export interface RenderedPlane extends Versioned {
  lines: string[];
}
