import { describe, expect, it } from "vitest";
import { fanoutShape, fanoutWidth, partition, probeTargets, split } from "../../src/scheduler/fanout.ts";
import { validateConfig } from "../../src/config/validate.ts";

describe("fan-out", () => {
  it("lists every (plane, region) pair in config order", () => {
    const result = validateConfig({
      planes: [
        { id: "a", baseUrl: "http://a.test", regions: ["wnam", "apac"], probes: [{ kind: "sync_predict", input: 1 }] },
        { id: "b", baseUrl: "http://b.test", regions: ["weur"], probes: [{ kind: "sync_predict", input: 1 }] },
      ],
    });
    if (!result.ok) throw new Error("invalid");
    expect(probeTargets(result.config)).toEqual([
      { plane: "a", region: "wnam" },
      { plane: "a", region: "apac" },
      { plane: "b", region: "weur" },
    ]);
  });

  it("partitions a range into at most `width` contiguous parts that cover it exactly", () => {
    for (const [start, end, width] of [
      [0, 10, 3],
      [5, 6, 50],
      [0, 30_000, 50],
      [100, 1_337, 7],
    ] as const) {
      const parts = partition({ start, end }, width);
      expect(parts.length).toBeLessThanOrEqual(width);
      expect(parts[0]!.start).toBe(start);
      expect(parts.at(-1)!.end).toBe(end);
      parts.forEach((p, i) => {
        expect(p.end).toBeGreaterThan(p.start);
        if (i > 0) expect(p.start).toBe(parts[i - 1]!.end);
      });
    }
  });

  it("keeps every invocation within the width: 10,000 planes x 3 regions in three levels, with full leaves", () => {
    expect(fanoutShape(40, 50)).toEqual({ depth: 1, invocations: [1] });
    expect(fanoutShape(2_500, 50)).toEqual({ depth: 2, invocations: [1, 50] });
    expect(fanoutShape(2_600, 50)).toEqual({ depth: 3, invocations: [1, 2, 52] });
    expect(fanoutShape(15_000, 50)).toEqual({ depth: 3, invocations: [1, 6, 300] });
    expect(fanoutShape(30_000, 50)).toEqual({ depth: 3, invocations: [1, 12, 600] });
  });

  it("splits an inner range into parts that each fit a subtree one level lower", () => {
    for (const [count, width] of [
      [51, 50],
      [2_501, 50],
      [30_000, 50],
      [1_000, 7],
      [10, 2],
    ] as const) {
      const parts = split({ start: 0, end: count }, width);
      let capacity = width;
      while (capacity * width < count) capacity *= width;
      expect(parts.length).toBeLessThanOrEqual(width);
      expect(parts.length).toBe(Math.ceil(count / capacity));
      for (const p of parts) expect(p.end - p.start).toBeLessThanOrEqual(capacity);
    }
  });

  it("needs about one invocation per `width` targets, however many there are", () => {
    for (const count of [100, 3_000, 15_000, 30_000, 300_000]) {
      const total = fanoutShape(count, 50).invocations.reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(Math.ceil((count / 50) * 1.1) + 1);
    }
  });

  it("falls back to the default width on a bad setting", () => {
    expect(fanoutWidth(undefined)).toBe(50);
    expect(fanoutWidth("8")).toBe(8);
    expect(fanoutWidth("1")).toBe(50);
    expect(fanoutWidth("lots")).toBe(50);
  });
});
