/**
 * When a plane's next report is expected, from what its Probers keep to: a probe runs on its
 * cadence, a period after its latest run started, and its Prober reports when the round ends,
 * about as long after as the latest run took. It is worked out from the latest results the Plane
 * object stores, since its memory does not outlast the idle time between rounds a minute apart.
 * The alarm that publishes a burst of reports arms itself for just after the next, whose reports
 * then find it armed and arm none: each setAlarm is a billed row.
 */

/** A probe's latest run, and the period it keeps to. */
export interface LatestRun {
  at: number;
  latencyMs: number;
  periodMs: number;
}

/** The earliest report expected after `now` (Infinity: none is; an overdue one is not waited for). */
export function nextExpectedReport(runs: readonly LatestRun[], now: number): number {
  let next = Infinity;
  for (const { at, latencyMs, periodMs } of runs) {
    const expected = at + periodMs + latencyMs;
    if (expected > now) next = Math.min(next, expected);
  }
  return next;
}
