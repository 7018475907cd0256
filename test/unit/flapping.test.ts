import { describe, expect, it } from "vitest";
import { DEFAULT_FLAP_POLICY, isFlapping, nextFlapReview, recentChanges } from "../../src/status/flapping.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-12-02T10:00:00Z");
const every = (n: number, stepMs: number) => Array.from({ length: n }, (_, i) => T0 + i * stepMs);

describe("flap damping", () => {
  it("flags more than 5 changes in 15 minutes by default", () => {
    const five = every(5, MIN);
    const six = every(6, MIN);
    expect(isFlapping(five, DEFAULT_FLAP_POLICY, T0 + 6 * MIN, false)).toBe(false);
    expect(isFlapping(six, DEFAULT_FLAP_POLICY, T0 + 6 * MIN, false)).toBe(true);
  });

  it("counts only changes within the window", () => {
    const spread = every(6, 4 * MIN); // 20 minutes
    expect(recentChanges(spread, DEFAULT_FLAP_POLICY, T0 + 20 * MIN)).toHaveLength(4);
    expect(isFlapping(spread, DEFAULT_FLAP_POLICY, T0 + 20 * MIN, false)).toBe(false);
  });

  it("lowers the flag only once the window holds at most half as many (hysteresis)", () => {
    const policy = { changes: 4, minutes: 10 };
    const burst = every(5, 30_000); // T0 … T0+2 min
    expect(isFlapping(burst, policy, T0 + 3 * MIN, false)).toBe(true);
    // Four changes: not enough to raise the flag, too many to lower it.
    const four = burst.slice(1);
    expect(isFlapping(four, policy, T0 + 3 * MIN, false)).toBe(false);
    expect(isFlapping(four, policy, T0 + 3 * MIN, true)).toBe(true);
    expect(isFlapping(burst.slice(3), policy, T0 + 3 * MIN, true)).toBe(false);
  });

  it("settles by time alone, when the alarm looks again", () => {
    const burst = every(6, MIN);
    expect(nextFlapReview(burst, DEFAULT_FLAP_POLICY, T0 + 6 * MIN)).toBe(T0 + 15 * MIN);
    expect(isFlapping(burst, DEFAULT_FLAP_POLICY, T0 + 20 * MIN, true)).toBe(false);
    expect(nextFlapReview([], DEFAULT_FLAP_POLICY, T0)).toBe(Infinity);
  });
});
