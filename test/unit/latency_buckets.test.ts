import { describe, expect, it } from "vitest";
import { DEFAULT_LATENCY_BUCKETS, latencyBuckets } from "../../src/config/latency_buckets.ts";

describe("LATENCY_BUCKETS", () => {
  it("defaults to 5 ms … 30 s when unset", () => {
    expect(latencyBuckets(undefined)).toEqual({ ok: true, bounds: DEFAULT_LATENCY_BUCKETS });
    expect(DEFAULT_LATENCY_BUCKETS[0]).toBe(0.005);
    expect(DEFAULT_LATENCY_BUCKETS.at(-1)).toBe(30);
  });

  it("takes comma-separated seconds", () => {
    expect(latencyBuckets(" 0.1, 1,2.5 ,1e1")).toEqual({ ok: true, bounds: [0.1, 1, 2.5, 10] });
  });

  it("refuses what would make a wrong histogram, saying why", () => {
    expect(latencyBuckets("1,0.5")).toEqual({
      ok: false,
      problem: 'LATENCY_BUCKETS "1,0.5" is refused: bounds must be strictly increasing',
    });
    expect(latencyBuckets("1,1")).toMatchObject({ ok: false, problem: expect.stringMatching(/strictly increasing/) });
    expect(latencyBuckets("0.1,fast")).toEqual({
      ok: false,
      problem: 'LATENCY_BUCKETS "0.1,fast" is refused (bound 2): expected a number of seconds',
    });
    expect(latencyBuckets("0,1")).toMatchObject({ ok: false, problem: expect.stringMatching(/\(bound 1\)/) });
    expect(latencyBuckets("")).toMatchObject({ ok: false });
    expect(latencyBuckets(Array.from({ length: 31 }, (_, i) => i + 1).join(","))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/at most 30 bounds/),
    });
  });
});
