import { describe, expect, it } from "vitest";
import { overviewOrder } from "../../src/render/page/overview.ts";
import { dayTitle } from "../../src/render/page/strip.ts";
import { failuresByReason, percent, STRIP_DAYS, stripStart, stripStretches } from "../../src/status/uptime_strip.ts";

const DAY = 86_400_000;
const START = stripStart(Date.UTC(2026, 10, 20, 12));

describe("the 90-day strip", () => {
  it("ends with the day being lived", () => {
    expect(START + (STRIP_DAYS - 1) * DAY).toBe(Date.UTC(2026, 10, 20));
  });

  it("merges like whole and empty days, and keeps each day with failures alone", () => {
    const whole = (i: number) => ({ day: START + i * DAY, runs: 10, successes: 10, failures: {} });
    const half = { day: START + 3 * DAY, runs: 10, successes: 5, failures: { timeout: 5 } };
    const stretches = stripStretches(START, [whole(1), whole(2), half, whole(4), whole(89)]);
    expect(stretches.map((s) => [s.first, s.count, s.level])).toEqual([
      [0, 1, "none"],
      [1, 2, "whole"],
      [3, 1, "low"],
      [4, 1, "whole"],
      [5, 84, "none"],
      [89, 1, "whole"],
    ]);
    expect(stretches[2]!.day).toBe(half);
    expect(stretches.reduce((n, s) => n + s.count, 0)).toBe(STRIP_DAYS);
  });

  it("keeps a day with maintenance alone, and its title says how many runs the window left out", () => {
    const whole = (i: number) => ({ day: START + i * DAY, runs: 10, successes: 10, failures: {} });
    const serviced = { ...whole(2), maintenanceRuns: 4 };
    const inWindow = { day: START + 3 * DAY, runs: 0, successes: 0, failures: {}, maintenanceRuns: 10 };
    const stretches = stripStretches(START, [whole(1), serviced, inWindow, whole(4), whole(5)]);
    expect(stretches.map((s) => [s.first, s.count, s.level, s.day])).toEqual([
      [0, 1, "none", null],
      [1, 1, "whole", null],
      [2, 1, "whole", serviced],
      [3, 1, "none", inWindow],
      [4, 2, "whole", null],
      [6, 84, "none", null],
    ]);
    expect(dayTitle(serviced)).toBe("2026-08-25: 100 % up (10 of 10 runs passed); maintenance: 4 runs left out");
    expect(dayTitle(inWindow)).toBe("2026-08-26: no runs outside maintenance; maintenance: 10 runs left out");
  });

  it("ignores days outside the strip", () => {
    expect(stripStretches(START, [{ day: START - DAY, runs: 1, successes: 0, failures: {} }])).toEqual([
      { first: 0, count: STRIP_DAYS, level: "none", day: null },
    ]);
  });
});

describe("percentages and failures", () => {
  it("never rounds a failed run up to 100 %", () => {
    expect(percent(5, 10)).toBe("50 %");
    expect(percent(99_999, 100_000)).toBe("99.99 %");
    expect(percent(10, 10)).toBe("100 %");
    expect(percent(0, 0)).toBe("no data");
  });

  it("lists failures by reason, most first, and counts the ones without a recorded reason", () => {
    const d = { day: 0, runs: 100, successes: 80, failures: { timeout: 5, unexpected_status: 10 } };
    expect(failuresByReason(d)).toEqual([
      { reason: "unexpected_status", failures: 10 },
      { reason: "timeout", failures: 5 },
      { reason: "reason not recorded", failures: 5 },
    ]);
  });
});

describe("the overview's order", () => {
  it("puts failing planes first, then degraded, unknown and OK, each by name", () => {
    const planes = [
      { name: "b", status: "OK" as const },
      { name: "a", status: "OK" as const },
      { name: "z", status: "NO_USER" as const },
      { name: "c", status: "DEGRADED" as const },
      { name: "y", status: "FAILED" as const },
      { name: "x", status: "NO_VALUE" as const },
    ];
    expect(planes.sort(overviewOrder).map((p) => p.name)).toEqual(["y", "z", "c", "x", "a", "b"]);
  });
});
