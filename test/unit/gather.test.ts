import { describe, expect, it } from "vitest";
import { gathered } from "../../src/lib/gather.ts";

describe("gathered calls", () => {
  it("runs the calls made before the next turn as one batch, each answered with its own answer", async () => {
    const batches: number[][] = [];
    const double = gathered(10, async (items: number[]) => {
      batches.push([...items]);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("gathers a call made while a batch runs into the next batch", async () => {
    const batches: string[][] = [];
    let late: Promise<string> | undefined;
    const echo: (item: string) => Promise<string> = gathered(10, async (items: string[]) => {
      batches.push([...items]);
      if (items.includes("first")) late = echo("late");
      return items;
    });
    expect(await echo("first")).toBe("first");
    expect(await late).toBe("late");
    expect(batches).toEqual([["first"], ["late"]]);
  });

  it("starts a new batch once one holds `limit` calls", async () => {
    const batches: number[][] = [];
    const echo = gathered(2, async (items: number[]) => {
      batches.push([...items]);
      return items;
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(echo))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("fails every call of a batch whose run fails, and runs the next batch afresh", async () => {
    let failing = true;
    const run = gathered(10, async (items: number[]) => {
      if (failing) throw new Error("storage down");
      return items;
    });
    const refused = await Promise.allSettled([run(1), run(2)]);
    expect(refused.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    failing = false;
    expect(await Promise.all([run(3), run(4)])).toEqual([3, 4]);
  });
});
