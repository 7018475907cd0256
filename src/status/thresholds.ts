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
  const failReason = verdict === "fail" ? (result.ok ? previous?.failReason ?? null : result.reason) : null;
  return { verdict, successes, failures, failReason };
}
