import { describe, expect, it } from "vitest";
import { nextExpectedReport } from "../../src/objects/plane/rhythm.ts";

describe("when a plane's next report is expected", () => {
  it("is a period after its latest run started, as long after as that run took", () => {
    expect(nextExpectedReport([{ at: 10_000, latencyMs: 300, periodMs: 60_000 }], 10_300)).toBe(70_300);
  });

  it("is the earliest of its probes' that is still to come, and none of those overdue", () => {
    const runs = [
      { at: 0, latencyMs: 100, periodMs: 60_000 }, // weur
      { at: 20_000, latencyMs: 100, periodMs: 60_000 }, // enam
      { at: 30_000, latencyMs: 5_000, periodMs: 3_600_000 }, // an hourly probe
    ];
    expect(nextExpectedReport(runs, 50_000)).toBe(60_100);
    expect(nextExpectedReport(runs, 61_000)).toBe(80_100); // weur is late: enam comes next
    expect(nextExpectedReport(runs, 90_000)).toBe(3_635_000);
    expect(nextExpectedReport(runs, 3_700_000)).toBe(Infinity);
    expect(nextExpectedReport([], 0)).toBe(Infinity);
  });
});
