import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { fail, pass } from "../../src/probes/outcome.ts";
import { retryProblems, withRetries, worstRoundSeconds } from "../../src/probes/retry.ts";
import type { ProbeOutcome } from "../../src/probes/types.ts";

/** Runs withRetries over scripted outcomes, recording the pauses instead of waiting them. */
async function attempt(outcomes: ProbeOutcome[], retries: number, retryDelaySeconds = 2) {
  const pauses: number[] = [];
  const tried: number[] = [];
  const attempted = await withRetries(
    { retries, retryDelaySeconds },
    async (n) => {
      tried.push(n);
      return { outcome: outcomes[n - 1]!, n };
    },
    async (ms) => {
      pauses.push(ms);
    },
  );
  return { ...attempted, pauses, tried };
}

const timeout = fail("timeout", "no answer", 1000);

describe("fast retries", () => {
  it("runs once when the first attempt passes", async () => {
    const run = await attempt([pass(12)], 3);
    expect(run).toMatchObject({ attempts: 1, n: 1, outcome: { ok: true }, pauses: [] });
  });

  it("retries a failure after the delay, and the last attempt counts", async () => {
    const run = await attempt([timeout, timeout, pass(30)], 3);
    // The answer is the last attempt, with what the caller kept of it.
    expect(run).toMatchObject({ attempts: 3, n: 3 });
    expect(run.outcome).toMatchObject({ ok: true, latencyMs: 30 });
    expect(run.pauses).toEqual([2000, 2000]);
  });

  it("stops after the last retry and reports that attempt's failure", async () => {
    const last = fail("unexpected_status", "status 503", 5, 503);
    const run = await attempt([timeout, timeout, last, pass(1)], 2);
    expect(run.tried).toEqual([1, 2, 3]);
    expect(run.outcome).toBe(last);
    expect(run.pauses).toHaveLength(2);
  });

  it("never retries without retries, nor a missing secret that no attempt could change", async () => {
    expect((await attempt([timeout, pass(1)], 0)).attempts).toBe(1);
    expect((await attempt([fail("credentials_missing", "secret KEY is not set", 0), pass(1)], 3)).attempts).toBe(1);
  });
});

describe("the round a probe's retries may take", () => {
  const policy = { retries: 2, retryDelaySeconds: 5, timeoutSeconds: 10, periodSeconds: 60 };

  it("is every attempt timing out, with the pauses between them", () => {
    expect(worstRoundSeconds(policy)).toBe(10 * 3 + 5 * 2);
    expect(retryProblems(policy)).toEqual([]);
  });

  it("must fit in the period", () => {
    const [problem] = retryProblems({ ...policy, periodSeconds: 30 });
    expect(problem![0]).toEqual(["retries"]);
    expect(problem![1]).toMatch(/40 s\) exceeds periodSeconds \(30 s\)/);
  });

  it("is checked when the config loads, for probes and shorthands alike, with the path of the probe", () => {
    const result = validateConfig({
      planes: [
        {
          id: "p",
          baseUrl: "http://plane.test",
          regions: ["wnam"],
          probes: [
            { kind: "http", name: "ready", url: "/ready", periodSeconds: 10, timeoutSeconds: 3, retries: 3 },
            { kind: "http_tiers", periodSeconds: 10, timeoutSeconds: 4, retries: 1, retryDelaySeconds: 3 },
            { kind: "http", name: "fits", url: "/fits", periodSeconds: 10, timeoutSeconds: 2, retries: 2, retryDelaySeconds: 1 },
          ],
        },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual(["planes[0].probes[0].retries", "planes[0].probes[1].retries"]);
  });

  it("takes at most three retries", () => {
    const result = validateConfig({
      planes: [{ id: "p", baseUrl: "http://plane.test", regions: ["wnam"], probes: [{ kind: "http", url: "/", retries: 4 }] }],
    });
    expect(result.ok).toBe(false);
  });
});
