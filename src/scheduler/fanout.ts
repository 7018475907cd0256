import type { Config } from "../config/schema.ts";

export interface ProbeTarget {
  plane: string;
  region: string;
}

const targetsOf = new WeakMap<Config, ProbeTarget[]>();

/**
 * Every (plane, region) pair, in config order: the leaves of the fan-out. Kept per config
 * object, so each Dispatcher of a tick slices one list instead of rebuilding it: otherwise a
 * tick would cost (targets / width) × targets.
 */
export function probeTargets(config: Config): ProbeTarget[] {
  let targets = targetsOf.get(config);
  if (!targets) {
    targets = config.planes.flatMap((plane) => plane.regions.map((region) => ({ plane: plane.id, region })));
    targetsOf.set(config, targets);
  }
  return targets;
}

export interface Range {
  start: number;
  end: number;
}

/** Splits [start, end) into at most `width` contiguous ranges of near-equal size. */
export function partition({ start, end }: Range, width: number): Range[] {
  const count = end - start;
  const parts = Math.min(width, count);
  const ranges: Range[] = [];
  for (let i = 0; i < parts; i++) {
    ranges.push({ start: start + Math.floor((count * i) / parts), end: start + Math.floor((count * (i + 1)) / parts) });
  }
  return ranges;
}

/**
 * How an inner node of the fan-out divides its range among Dispatcher objects: into as few
 * parts as fit in subtrees one level lower (a subtree of height h covers width^h targets),
 * so leaves are full. Splitting straight into `width` parts instead would leave 30,000
 * targets at width 50 with 2,500 leaves of 12 (2,551 invocations instead of 613).
 */
export function split(range: Range, width: number): Range[] {
  const count = range.end - range.start;
  let subtreeCapacity = width;
  while (subtreeCapacity * width < count) subtreeCapacity *= width;
  return partition(range, Math.ceil(count / subtreeCapacity));
}

/**
 * How the fan-out covers `count` targets with invocations of at most `width` subrequests:
 * a tree whose leaves tick up to `width` Prober objects and whose inner nodes call up to
 * `width` Dispatcher objects. Returns the depth and the number of invocations per level.
 */
export function fanoutShape(count: number, width: number): { depth: number; invocations: number[] } {
  const invocations: number[] = [];
  let ranges: Range[] = [{ start: 0, end: count }];
  for (;;) {
    invocations.push(ranges.length);
    if (ranges.every((r) => r.end - r.start <= width)) break;
    ranges = ranges.flatMap((r) => (r.end - r.start <= width ? [] : split(r, width)));
  }
  return { depth: invocations.length, invocations };
}

export const DEFAULT_FANOUT_WIDTH = 50;

export function fanoutWidth(value: string | undefined): number {
  const width = Number(value ?? DEFAULT_FANOUT_WIDTH);
  return Number.isInteger(width) && width >= 2 && width <= 1000 ? width : DEFAULT_FANOUT_WIDTH;
}
