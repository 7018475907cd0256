import { describe, expect, it } from "vitest";
import { couldChangeVerdict, extendRun, nextProbeState, type OutcomeRun, type ProbeState } from "../../src/status/thresholds.ts";

const k8s = { successThreshold: 1, failureThreshold: 3 };
const ok = { ok: true, reason: "ok" };
const timeout = { ok: false, reason: "timeout" };

function run(results: Array<{ ok: boolean; reason: string }>, thresholds = k8s): ProbeState | undefined {
  return results.reduce<ProbeState | undefined>((state, r) => nextProbeState(state, r, thresholds), undefined);
}

describe("thresholds", () => {
  it("takes the first result as the verdict", () => {
    expect(run([ok])?.verdict).toBe("pass");
    expect(run([timeout])).toEqual({ verdict: "fail", successes: 0, failures: 1, failReason: "timeout" });
  });

  it("needs failureThreshold consecutive failures to fail a passing probe", () => {
    expect(run([ok, timeout, timeout])?.verdict).toBe("pass");
    expect(run([ok, timeout, timeout, timeout])).toMatchObject({ verdict: "fail", failures: 3, failReason: "timeout" });
  });

  it("restarts the failure count on a success", () => {
    expect(run([ok, timeout, timeout, ok, timeout, timeout])?.verdict).toBe("pass");
  });

  it("needs successThreshold consecutive successes to pass a failing probe", () => {
    const t = { successThreshold: 2, failureThreshold: 1 };
    expect(run([timeout, ok], t)).toMatchObject({ verdict: "fail", successes: 1, failReason: "timeout" });
    expect(run([timeout, ok, ok], t)).toMatchObject({ verdict: "pass", failReason: null });
    expect(run([timeout, ok, timeout, ok], t)?.verdict).toBe("fail");
  });

  it("keeps the reason of the latest failure while failing", () => {
    const t = { successThreshold: 1, failureThreshold: 1 };
    expect(run([timeout, { ok: false, reason: "unauthorized" }], t)?.failReason).toBe("unauthorized");
  });
});

describe("runs of equal outcomes", () => {
  const runOf = (results: Array<{ ok: boolean; reason: string }>) => results.reduce<OutcomeRun | undefined>(extendRun, undefined)!;
  const refused = { ok: false, reason: "connection_refused" };

  it("could change the verdict until the run reaches its threshold, and not after", () => {
    expect([1, 2, 3, 4].map((n) => couldChangeVerdict(runOf(Array(n).fill(timeout)), k8s))).toEqual([true, true, true, false]);
    expect([1, 2].map((n) => couldChangeVerdict(runOf([timeout, ...Array(n).fill(ok)]), k8s))).toEqual([true, false]);
  });

  it("starts a new run when the failure reason changes: the status shows the reason", () => {
    expect(runOf([timeout, timeout, timeout, timeout, refused])).toEqual({ ok: false, reason: "connection_refused", length: 1 });
  });

  it("never misses a flip when the observer saw less than the Plane object", () => {
    // The Plane saw two failures before the observer started: the flip comes on the observer's first.
    const plane = run([ok, timeout, timeout, timeout]);
    const observed = runOf([timeout]);
    expect(plane?.verdict).toBe("fail");
    expect(couldChangeVerdict(observed, k8s)).toBe(true);
  });
});
