import type { ProbeOutcome, ProbeProblem } from "./types.ts";

/** A probe's fast retries, as its config declares them. */
export interface RetryPolicy {
  retries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
}

/** What an attempt gives: its outcome, with whatever else the caller keeps of it (its start, its trace). */
export interface Attempt {
  outcome: ProbeOutcome;
}

/**
 * Whether another attempt could turn a failure around. A missing secret cannot: nothing was
 * sent, and the same config would send nothing again.
 */
function retryable(outcome: ProbeOutcome): boolean {
  return !outcome.ok && outcome.reason !== "credentials_missing";
}

/**
 * Fast retries: runs `attempt` once, and again after `retryDelaySeconds` while it fails, at
 * most `retries` more times. Only the last attempt counts, so one lost packet is not an outage
 * while a plane that keeps failing still fails in the same round: the answer is that attempt,
 * with how many were made. `sleep` is given, so the logic runs anywhere (the Prober object
 * passes a timer).
 */
export async function withRetries<A extends Attempt>(
  policy: Pick<RetryPolicy, "retries" | "retryDelaySeconds">,
  attempt: (n: number) => Promise<A>,
  sleep: (ms: number) => Promise<void>,
): Promise<A & { attempts: number }> {
  for (let n = 1; ; n++) {
    const made = await attempt(n);
    if (n > policy.retries || !retryable(made.outcome)) return { ...made, attempts: n };
    await sleep(policy.retryDelaySeconds * 1000);
  }
}

/** The longest a round of the probe can take: every attempt timing out, with the pauses between them. */
export function worstRoundSeconds(policy: Pick<RetryPolicy, "retries" | "retryDelaySeconds" | "timeoutSeconds">): number {
  return policy.timeoutSeconds * (policy.retries + 1) + policy.retryDelaySeconds * policy.retries;
}

/**
 * Retries must not overrun the round: the next run is due one period after this one started,
 * so the worst round (every attempt timing out) has to fit in the period.
 */
export function retryProblems(policy: RetryPolicy): ProbeProblem[] {
  if (policy.retries === 0) return [];
  const worst = worstRoundSeconds(policy);
  if (worst <= policy.periodSeconds) return [];
  return [
    [
      ["retries"],
      `timeoutSeconds × (retries + 1) + retryDelaySeconds × retries (${worst} s) exceeds periodSeconds (${policy.periodSeconds} s): ` +
        "retries would overrun the round; lower retries, timeoutSeconds or retryDelaySeconds, or raise periodSeconds",
    ],
  ];
}
