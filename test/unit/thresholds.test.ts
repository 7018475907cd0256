import { describe, expect, it } from "vitest";
import { nextProbeState, type ProbeState } from "../../src/status/thresholds.ts";

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
