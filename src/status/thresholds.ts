export type Verdict = "pass" | "fail";

/** The thresholded state of one probe in one region. */
export interface ProbeState {
  verdict: Verdict;
  /** Consecutive successes and failures up to the latest result. */
  successes: number;
  failures: number;
  /** The reason of the latest failure while the verdict is `fail`. */
  failReason: string | null;
}

export interface Thresholds {
  successThreshold: number;
  failureThreshold: number;
}

/**
 * Kubernetes-style thresholds. The first result sets the verdict (there is nothing to smooth
 * yet); after that a passing probe needs `failureThreshold` consecutive failures to fail, and
 * a failing one `successThreshold` consecutive successes to pass again.
 */
export function nextProbeState(
  previous: ProbeState | undefined,
  result: { ok: boolean; reason: string },
  thresholds: Thresholds,
): ProbeState {
  const successes = result.ok ? (previous?.successes ?? 0) + 1 : 0;
  const failures = result.ok ? 0 : (previous?.failures ?? 0) + 1;
  let verdict: Verdict;
  if (previous === undefined) verdict = result.ok ? "pass" : "fail";
  else if (previous.verdict === "pass") verdict = failures >= thresholds.failureThreshold ? "fail" : "pass";
  else verdict = successes >= thresholds.successThreshold ? "pass" : "fail";
  const failReason = verdict === "fail" ? (result.ok ? (previous?.failReason ?? null) : result.reason) : null;
  return { verdict, successes, failures, failReason };
}

/** The run of equal outcomes (same success, same reason) a probe is in, as its Prober saw it. */
export interface OutcomeRun {
  ok: boolean;
  reason: string;
  length: number;
}

export function extendRun(run: OutcomeRun | undefined, result: { ok: boolean; reason: string }): OutcomeRun {
  const same = run !== undefined && run.ok === result.ok && run.reason === result.reason;
  return { ok: result.ok, reason: result.reason, length: same ? run.length + 1 : 1 };
}

/**
 * Whether the result ending this run could change its probe's state in a way the status sees
 * (verdict or failure reason), whatever came before the run: a verdict flips on the result
 * that makes a run reach its threshold, and a longer run of the same outcome changes nothing.
 * The observer may have seen less than the Plane object (a new Prober instance starts a new
 * run), so its run is never longer than the Plane's, and it never misses the flip.
 */
export function couldChangeVerdict(run: OutcomeRun, thresholds: Thresholds): boolean {
  return run.length <= (run.ok ? thresholds.successThreshold : thresholds.failureThreshold);
}
