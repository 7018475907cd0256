/**
 * A probe's cadence, as a Prober stores it: the probe is due at `anchor + k × periodMs` (k ≥ 0).
 * While rounds keep to it, every next due time is one of its times and nothing is written; a new
 * instance finds the next due time from it. A period of 0 stands for a next due time stored
 * before cadences were: due at the anchor only, and anchored afresh once run.
 */
export interface Cadence {
  anchor: number;
  periodMs: number;
}

/** Whether `next` (with this period) is one of the cadence's times: if so, nothing needs storing. */
export function keepsTo(cadence: Cadence | undefined, next: number, periodMs: number): boolean {
  return cadence !== undefined && cadence.periodMs === periodMs && next >= cadence.anchor && (next - cadence.anchor) % periodMs === 0;
}

/** The cadence's first time at or after `from` (its anchor, if that is later). */
export function firstDueFrom(cadence: Cadence, from: number): number {
  if (cadence.periodMs <= 0 || cadence.anchor >= from) return cadence.anchor;
  return cadence.anchor + Math.ceil((from - cadence.anchor) / cadence.periodMs) * cadence.periodMs;
}
