import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { observeLatencies, readHistograms } from "../../src/objects/plane/histogram.ts";

/** A Plane object of its own, so the histogram tables start empty. */
const stub = () => env.PLANE.get(env.PLANE.idFromName("histogram-test"));

describe("the latency histogram in the Plane object", () => {
  it("counts cumulatively (a batch as one by one), keeps +Inf as the count, and never goes back when the bounds change", async () => {
    const [before, after] = await runInDurableObject(stub(), (_object, state) => {
      const sql = state.storage.sql;
      observeLatencies(sql, "wnam", "sync_predict", [0.05, 0.3, 0.3, 2, 40], [0.1, 0.5, 1]);
      const first = readHistograms(sql);
      // A new bucket set: 0.5 stays, 0.1 and 1 go, 0.25 and 5 come.
      for (const seconds of [0.2, 3]) observeLatencies(sql, "wnam", "sync_predict", [seconds], [0.25, 0.5, 5]);
      return [first, readHistograms(sql)];
    });
    expect(before).toEqual([
      {
        region: "wnam",
        probe: "sync_predict",
        bounds: [0.1, 0.5, 1],
        counts: [1, 3, 3],
        sum: 42.65,
        count: 5,
      },
    ]);
    expect(after).toEqual([
      {
        region: "wnam",
        probe: "sync_predict",
        bounds: [0.25, 0.5, 5],
        counts: [1, 4, 2],
        sum: 45.85,
        count: 7,
      },
    ]);
  });
});
