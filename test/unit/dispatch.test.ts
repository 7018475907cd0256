import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env.ts";
import { MAX_CONNECTIONS } from "../../src/lib/concurrency.ts";
import { dispatch } from "../../src/scheduler/dispatch.ts";
import { fanoutShape } from "../../src/scheduler/fanout.ts";

/** What one invocation did: the subrequests it made, and the most it had in flight at once. */
interface Invocation {
  subrequests: number;
  inFlight: number;
  mostInFlight: number;
}

/**
 * An environment whose Durable Object namespaces count every call as a subrequest of the
 * invocation making it. A call to a Dispatcher runs `dispatch` in a new invocation, as the
 * runtime does, so each invocation of the tree is counted on its own.
 */
function countingEnv(planesConfig: string, invocations: Invocation[], ticks: Map<string, number>): Env {
  const invocation: Invocation = { subrequests: 0, inFlight: 0, mostInFlight: 0 };
  invocations.push(invocation);
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    invocation.subrequests++;
    invocation.mostInFlight = Math.max(invocation.mostInFlight, ++invocation.inFlight);
    try {
      // Yield, so the invocation's other calls start and the count in flight is what it allows.
      await Promise.resolve();
      return await work();
    } finally {
      invocation.inFlight--;
    }
  };
  const namespace = (stub: (name: string) => object) => ({ idFromName: (name: string) => name, get: (name: string) => stub(name) });
  return {
    PLANES_CONFIG: planesConfig,
    PROBER: namespace((name) => ({
      tick: () => call(async () => void ticks.set(name, (ticks.get(name) ?? 0) + 1)),
    })),
    DISPATCHER: namespace(() => ({
      dispatch: (range: { start: number; end: number }, width: number) =>
        call(() => dispatch(countingEnv(planesConfig, invocations, ticks), range, width)),
    })),
  } as unknown as Env;
}

function planes(count: number, regions: string[]): string {
  return JSON.stringify({
    planes: Array.from({ length: count }, (_, i) => ({
      id: `plane-${i}`,
      regions,
      probes: [{ kind: "http", url: "http://127.0.0.1:9/healthz" }],
    })),
  });
}

describe("the fan-out under load", () => {
  it("ticks 5,000 planes x 3 regions exactly once each, no invocation over the width or six in flight", async () => {
    const width = 8;
    const invocations: Invocation[] = [];
    const ticks = new Map<string, number>();
    const report = await dispatch(
      countingEnv(planes(5_000, ["wnam", "weur", "apac"]), invocations, ticks),
      { start: 0, end: 15_000 },
      width,
    );

    expect(ticks.size).toBe(15_000);
    expect([...ticks.values()].every((n) => n === 1)).toBe(true);
    expect(Math.max(...invocations.map((i) => i.subrequests))).toBeLessThanOrEqual(width);
    expect(Math.max(...invocations.map((i) => i.mostInFlight))).toBeLessThanOrEqual(MAX_CONNECTIONS);
    // The tree is the planned one, and it says so itself (the cron logs this).
    const shape = fanoutShape(15_000, width);
    expect(invocations).toHaveLength(shape.invocations.reduce((a, b) => a + b, 0));
    expect(report).toEqual({ ticked: 15_000, failed: 0, errors: [], invocations: invocations.length, mostSubrequests: width });
  });
});
