/** A plane flaps when its status changes more than `changes` times within `minutes`. */
export interface FlapPolicy {
  changes: number;
  minutes: number;
}

export const DEFAULT_FLAP_POLICY: FlapPolicy = { changes: 5, minutes: 15 };

/** The status changes still inside the policy's window at `now`, oldest first: all the Plane object keeps. */
export function recentChanges(changes: readonly number[], policy: FlapPolicy, now: number): number[] {
  const from = now - policy.minutes * 60_000;
  return changes.filter((at) => at > from && at <= now).sort((a, b) => a - b);
}

/**
 * Whether the plane flaps at `now`, with hysteresis so the flag does not flap itself: it is
 * raised by more than `changes` changes in the window, and lowered only once the window holds
 * at most half as many (an hour of one change every few minutes stays flapping).
 */
export function isFlapping(changes: readonly number[], policy: FlapPolicy, now: number, wasFlapping: boolean): boolean {
  const count = recentChanges(changes, policy, now).length;
  return wasFlapping ? count > Math.floor(policy.changes / 2) : count > policy.changes;
}

/**
 * When the flag can next change with time alone (the oldest change leaves the window); the
 * Plane object's alarm wakes then. Infinity without changes in the window.
 */
export function nextFlapReview(changes: readonly number[], policy: FlapPolicy, now: number): number {
  const oldest = recentChanges(changes, policy, now)[0];
  return oldest === undefined ? Infinity : oldest + policy.minutes * 60_000;
}
