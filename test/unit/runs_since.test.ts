import { describe, expect, it } from "vitest";
import { runsSince } from "../../src/status/uptime_strip.ts";

const DAY = 86_400_000;
const day = (i: number, runs: number, successes: number) => ({ day: i * DAY, runs, successes, failures: {} });

describe("the runs of a window of whole days", () => {
  it("sums the days from the window's first day on, and nothing before it", () => {
    const days = [day(1, 10, 10), day(2, 10, 5), day(4, 20, 19), day(5, 4, 4)];
    expect(runsSince(days, 2 * DAY)).toEqual({ runs: 34, successes: 28 });
    expect(runsSince(days, 3 * DAY)).toEqual({ runs: 24, successes: 23 });
    expect(runsSince(days, 0)).toEqual({ runs: 44, successes: 38 });
  });

  it("counts no runs when no day is in the window", () => {
    expect(runsSince([day(1, 10, 10)], 2 * DAY)).toEqual({ runs: 0, successes: 0 });
    expect(runsSince([], 0)).toEqual({ runs: 0, successes: 0 });
  });
});
