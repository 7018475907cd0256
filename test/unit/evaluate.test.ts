import { describe, expect, it } from "vitest";
import {
  effectiveStatus,
  evaluatePlane,
  evaluateRegion,
  SETTLE_MS,
  type LatestState,
  type PlanePolicy,
} from "../../src/status/evaluate.ts";
import type { PlaneStatus } from "../../src/status/model.ts";

const NOW = 1_000_000;
const policy: PlanePolicy = {
  regions: ["wnam", "weur", "apac"],
  quorum: 2,
  ttlMs: 120_000,
  probes: [
    { name: "predict", critical: true },
    { name: "extra", critical: false },
  ],
};

function entry(region: string, probe: string, pass: boolean | string, age = 10_000): LatestState {
  return {
    region,
    probe,
    at: NOW - age,
    state:
      pass === true
        ? { verdict: "pass", successes: 1, failures: 0, failReason: null }
        : { verdict: "fail", successes: 0, failures: 1, failReason: pass === false ? "timeout" : pass },
  };
}

function allRegions(probe: string, verdicts: Array<boolean | string>): LatestState[] {
  return policy.regions.map((r, i) => entry(r, probe, verdicts[i]!));
}

const status = (entries: LatestState[], p = policy, previous: PlaneStatus = "OK"): PlaneStatus =>
  evaluatePlane(p, entries, NOW, previous).status;

describe("plane status", () => {
  it("is OK when every probe passes everywhere", () => {
    expect(status([...allRegions("predict", [true, true, true]), ...allRegions("extra", [true, true, true])])).toBe("OK");
  });

  it("is DEGRADED when a critical probe fails in fewer regions than break the quorum", () => {
    const evaluation = evaluatePlane(policy, allRegions("predict", [true, false, true]), NOW);
    expect(evaluation.status).toBe("DEGRADED");
    expect(evaluation.failing).toEqual([{ region: "weur", probe: "predict", reason: "timeout" }]);
  });

  it("is FAILED when a critical probe fails in enough regions to break the quorum", () => {
    expect(status(allRegions("predict", [false, false, true]))).toBe("FAILED");
    expect(status(allRegions("predict", [false, false, false]))).toBe("FAILED");
  });

  it("is only DEGRADED when a non-critical probe fails everywhere", () => {
    expect(status([...allRegions("predict", [true, true, true]), ...allRegions("extra", [false, false, false])])).toBe("DEGRADED");
  });

  it("takes the class of the failures: NO_USER > NO_ORACLE > FAILED", () => {
    expect(status(allRegions("predict", ["unauthorized", "unauthorized", true]))).toBe("NO_USER");
    expect(status(allRegions("predict", ["model_not_found", "timeout", true]))).toBe("NO_ORACLE");
    expect(status(allRegions("predict", ["model_not_found", "credentials_missing", "timeout"]))).toBe("NO_USER");
  });

  it("puts a broken probe's class above another probe's degradation", () => {
    const p = { ...policy, probes: [...policy.probes, { name: "other", critical: true }] };
    expect(
      status([...allRegions("predict", [false, true, true]), ...allRegions("other", ["unauthorized", "unauthorized", "unauthorized"])], p),
    ).toBe("NO_USER");
  });

  it("honours a quorum of all regions", () => {
    const strict = { ...policy, quorum: 3 };
    expect(status(allRegions("predict", [true, false, true]), strict)).toBe("FAILED");
  });

  it("lets a single region break a one-region plane", () => {
    expect(status([entry("wnam", "predict", false)], { ...policy, regions: ["wnam"], quorum: 1 })).toBe("FAILED");
  });

  it("counts a region with no fresh result neither way", () => {
    expect(status([entry("wnam", "predict", true)])).toBe("OK");
    expect(status([entry("wnam", "predict", true), entry("weur", "predict", false, 200_000), entry("apac", "predict", false)])).toBe(
      "DEGRADED",
    );
  });

  it("is NO_VALUE with no result within the TTL, and says when it expires otherwise", () => {
    expect(evaluatePlane(policy, [], NOW)).toEqual({ status: "NO_VALUE", expiresAt: null, failing: [], reviewAt: null });
    expect(status(allRegions("predict", [false, false, false]).map((e) => ({ ...e, at: NOW - 120_000 })))).toBe("NO_VALUE");
    const evaluation = evaluatePlane(policy, [entry("wnam", "predict", true, 30_000), entry("weur", "predict", true, 5_000)], NOW);
    expect(evaluation.expiresAt).toBe(NOW - 5_000 + 120_000);
  });

  it("ignores regions and probes the config no longer has", () => {
    expect(status([entry("sam", "predict", false), entry("wnam", "gone", false), entry("wnam", "predict", true)])).toBe("OK");
  });

  it("asks to be reviewed when the earliest fresh result goes stale", () => {
    expect(evaluatePlane(policy, [entry("wnam", "predict", true, 30_000), entry("weur", "predict", true, 5_000)], NOW).reviewAt).toBe(
      NOW - 30_000 + 120_000,
    );
    expect(evaluatePlane(policy, [entry("wnam", "predict", true, 500_000)], NOW).reviewAt).toBeNull();
  });
});

describe("coming out of NO_VALUE", () => {
  const onlyPredict = { ...policy, probes: [{ name: "predict", critical: true }] };

  it("waits for every region before OK or DEGRADED, and says when it stops waiting", () => {
    const first = [entry("wnam", "predict", true, 1_000)];
    const waiting = evaluatePlane(onlyPredict, first, NOW, "NO_VALUE");
    expect(waiting.status).toBe("NO_VALUE");
    expect(waiting.reviewAt).toBe(NOW - 1_000 + SETTLE_MS);
    expect(status([...first, entry("weur", "predict", false, 500)], onlyPredict, "NO_VALUE")).toBe("NO_VALUE");
    expect(status(allRegions("predict", [true, false, true]), onlyPredict, "NO_VALUE")).toBe("DEGRADED");
    expect(status(allRegions("predict", [true, true, true]), onlyPredict, "NO_VALUE")).toBe("OK");
  });

  it("shows a break at once", () => {
    expect(status([entry("wnam", "predict", "unauthorized"), entry("weur", "predict", "unauthorized")], onlyPredict, "NO_VALUE")).toBe(
      "NO_USER",
    );
  });

  it("gives up waiting for a silent region after the settling window", () => {
    expect(status([entry("wnam", "predict", true, SETTLE_MS), entry("weur", "predict", true, 100)], onlyPredict, "NO_VALUE")).toBe("OK");
  });
});

describe("region status", () => {
  it("applies the same classes without the quorum", () => {
    const entries = [entry("wnam", "predict", "unauthorized"), entry("weur", "extra", false), entry("apac", "predict", true)];
    expect(evaluateRegion(policy, entries, "wnam", NOW)).toBe("NO_USER");
    expect(evaluateRegion(policy, entries, "weur", NOW)).toBe("DEGRADED");
    expect(evaluateRegion(policy, entries, "apac", NOW)).toBe("OK");
    expect(evaluateRegion(policy, [], "apac", NOW)).toBe("NO_VALUE");
  });
});

describe("effective status", () => {
  it("reads NO_VALUE once the stored status has expired", () => {
    expect(effectiveStatus({ status: "OK", expiresAt: NOW + 1 }, NOW)).toBe("OK");
    expect(effectiveStatus({ status: "FAILED", expiresAt: NOW }, NOW)).toBe("NO_VALUE");
    expect(effectiveStatus({ status: "NO_VALUE", expiresAt: null }, NOW)).toBe("NO_VALUE");
  });
});
