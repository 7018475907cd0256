import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import type { Env } from "../../src/env.ts";
import { summaryShardCount } from "../../src/objects/stubs.ts";
import { mergeSnapshots } from "../../src/render/view.ts";
import { emptySnapshot } from "../../src/status/snapshot.ts";

function planes(count: number) {
  return {
    planes: Array.from({ length: count }, (_, i) => ({
      id: `p${i}`,
      baseUrl: "http://plane.test",
      regions: ["wnam"],
      probes: [{ kind: "sync_predict", input: 1 }],
    })),
  };
}

const envWith = (count: number, shards?: string) => ({ PLANES_CONFIG: JSON.stringify(planes(count)), SUMMARY_SHARDS: shards }) as Env;

describe("Summary shards", () => {
  it("are SUMMARY_SHARDS, and one more per 1,000 planes beyond, whatever the variable says", () => {
    expect(summaryShardCount(envWith(10))).toBe(4);
    expect(summaryShardCount(envWith(4_001))).toBe(5);
    expect(summaryShardCount(envWith(4_001, "8"))).toBe(8);
    expect(summaryShardCount(envWith(10, "abc"))).toBe(4);
  });

  it("give readers the newest snapshot of a plane that moved shard, and NO_VALUE for one never seen", () => {
    const result = validateConfig(planes(2));
    if (!result.ok) throw new Error("invalid");
    const older = { ...emptySnapshot("p0"), version: 3, status: "FAILED" as const, since: 1 };
    const newer = { ...emptySnapshot("p0"), version: 5, status: "OK" as const, since: 2 };
    const views = mergeSnapshots(result.config, [[newer], [older]], 10);
    expect(views.map((v) => [v.plane.id, v.snapshot.version, v.snapshot.status])).toEqual([
      ["p0", 5, "OK"],
      ["p1", 0, "NO_VALUE"],
    ]);
  });
});
