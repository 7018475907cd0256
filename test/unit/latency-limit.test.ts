import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { policyOf } from "../../src/config/schema.ts";
import { fail, pass, withinLatencyLimit } from "../../src/probes/outcome.ts";
import { evaluatePlane, type LatestState } from "../../src/status/evaluate.ts";
import { nextProbeState } from "../../src/status/thresholds.ts";
import { reasonOf } from "../../src/status/reasons.ts";

describe("expect.maxLatencyMs", () => {
  it("turns a slower pass into a failure with reason slow, keeping its latency and status", () => {
    const judged = withinLatencyLimit(pass(812, "status 200", 200), 500);
    expect(judged).toMatchObject({ ok: false, reason: "slow", latencyMs: 812, httpStatus: 200 });
    expect(judged.message).toBe("passed in 812 ms, slower than maxLatencyMs 500");
    expect(reasonOf("slow")?.status).toBe("FAILED");
  });

  it("leaves a pass within the limit, any failure, and a run without a limit as they are", () => {
    const quick = pass(120);
    const timeout = fail("timeout", "no answer", 900);
    expect(withinLatencyLimit(quick, 500)).toBe(quick);
    expect(withinLatencyLimit(timeout, 500)).toBe(timeout);
    expect(withinLatencyLimit(pass(9000), undefined)).toMatchObject({ ok: true });
  });

  it("is in the expect of every probed kind", () => {
    const probes = [
      { kind: "http", url: "/", expect: { maxLatencyMs: 300 } },
      { kind: "sync_predict", input: {}, expect: { maxLatencyMs: 300 } },
      { kind: "async_predict", input: {}, expect: { maxLatencyMs: 30_000 } },
      { kind: "tcp", port: 22, expect: { maxLatencyMs: 300 } },
      { kind: "redis", expect: { maxLatencyMs: 300 } },
      { kind: "postgres", expect: { maxLatencyMs: 300 } },
      { kind: "grpc_health", port: 50051, expect: { maxLatencyMs: 300 } },
    ];
    const result = validateConfig({
      planes: [{ id: "p", baseUrl: "http://plane.test", regions: ["wnam"], probes: probes.map((p, i) => ({ ...p, name: `p${i}` })) }],
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("with critical: false, a slow but working plane reads DEGRADED", () => {
    const result = validateConfig({
      planes: [
        {
          id: "p",
          baseUrl: "http://plane.test",
          regions: ["wnam", "weur", "apac"],
          probes: [
            { kind: "sync_predict", input: { text: "ping" } },
            { kind: "http", name: "latency", url: "/readyz", critical: false, failureThreshold: 1, expect: { maxLatencyMs: 250 } },
          ],
        },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const plane = result.config.planes[0]!;
    const now = 1_000_000;
    const latest = (probe: string, outcome: { ok: boolean; reason: string }): LatestState[] =>
      plane.regions.map((region) => ({
        region,
        probe,
        at: now - 5_000,
        state: nextProbeState(undefined, outcome, { failureThreshold: 1, successThreshold: 1 }),
      }));
    const slow = withinLatencyLimit(pass(900), 250);
    const evaluation = evaluatePlane(policyOf(plane), [...latest("sync_predict", pass(80)), ...latest("latency", slow)], now, "OK");
    expect(evaluation.status).toBe("DEGRADED");
    expect(evaluation.failing.map((f) => f.reason)).toEqual(["slow", "slow", "slow"]);
  });
});
