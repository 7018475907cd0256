import { describe, expect, it } from "vitest";
import { firstDueFrom, keepsTo } from "../../src/objects/prober/cadence.ts";

describe("a probe's cadence", () => {
  const cadence = { anchor: 10_000, periodMs: 5_000 };

  it("keeps to its own times, with its period, and no earlier one", () => {
    expect(keepsTo(cadence, 10_000, 5_000)).toBe(true);
    expect(keepsTo(cadence, 25_000, 5_000)).toBe(true);
    expect(keepsTo(cadence, 25_001, 5_000)).toBe(false); // off its times: a new cadence, stored
    expect(keepsTo(cadence, 5_000, 5_000)).toBe(false);
    expect(keepsTo(cadence, 30_000, 10_000)).toBe(false); // the period changed
    expect(keepsTo(undefined, 10_000, 5_000)).toBe(false);
    expect(keepsTo({ anchor: 10_000, periodMs: 0 }, 15_000, 5_000)).toBe(false);
  });

  it("is first due at or after a time, or at its anchor when that is later", () => {
    expect(firstDueFrom(cadence, 0)).toBe(10_000);
    expect(firstDueFrom(cadence, 10_000)).toBe(10_000);
    expect(firstDueFrom(cadence, 10_001)).toBe(15_000);
    expect(firstDueFrom(cadence, 24_999)).toBe(25_000);
    // A next due time stored before cadences: that time, however late.
    expect(firstDueFrom({ anchor: 10_000, periodMs: 0 }, 99_000)).toBe(10_000);
  });
});
