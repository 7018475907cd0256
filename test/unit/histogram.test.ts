import { describe, expect, it } from "vitest";
import { observe } from "../../src/status/histogram.ts";

describe("the latency histogram", () => {
  it("counts cumulatively (a batch as one by one), keeps +Inf as the count, and never goes back when the bounds change", () => {
    const first = observe(null, [0.05, 0.3, 0.3, 2, 40], [0.1, 0.5, 1]);
    expect(first).toEqual({ bounds: [0.1, 0.5, 1], counts: [1, 3, 3], sum: 42.65, count: 5 });
    // A new bucket set: 0.5 stays, 0.1 and 1 go, 0.25 and 5 come.
    const after = [0.2, 3].reduce((h, seconds) => observe(h, [seconds], [0.25, 0.5, 5]), first);
    expect(after).toEqual({ bounds: [0.25, 0.5, 5], counts: [1, 4, 2], sum: 45.85, count: 7 });
  });
});
