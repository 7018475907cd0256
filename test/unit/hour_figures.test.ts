import { describe, expect, it } from "vitest";
import { countRun, type HourFigures, type HourRun, keepsRaw, rollupOf } from "../../src/storage/hour_figures.ts";
import { HOUR_MS } from "../../src/storage/rollup_plan.ts";

const HOUR = 400 * HOUR_MS;
const run = (minute: number, ok: boolean, latencyMs: number, extra: Partial<HourRun> = {}): HourRun => ({
  at: HOUR + minute * 60_000,
  ok,
  reason: ok ? "ok" : "unexpected_status",
  latencyMs,
  maintenance: false,
  ...extra,
});

function countAll(runs: HourRun[]): { open: HourFigures | null; closed: HourFigures[] } {
  let open: HourFigures | null = null;
  const closed: HourFigures[] = [];
  for (const r of runs) {
    const counted = countRun(open, r);
    if (counted.closed) closed.push(counted.closed);
    open = counted.open;
  }
  return { open, closed };
}

describe("counting a (region, probe)'s hour", () => {
  it("counts runs, successes, latency and failures by reason; maintenance runs apart", () => {
    const { open, closed } = countAll([
      run(0, true, 40),
      run(1, false, 90, { reason: "timeout" }),
      run(2, false, 10),
      run(3, false, 500, { maintenance: true }),
    ]);
    expect(closed).toEqual([]);
    expect(open).toEqual({
      hour: HOUR,
      runs: 3,
      successes: 1,
      maintenanceRuns: 1,
      latencySumMs: 140,
      latencyMaxMs: 90,
      latencies: [40, 90, 10, 500],
      failures: { timeout: 1, unexpected_status: 1 },
    });
  });

  it("closes the hour at the first run of a later one, and counts a late run in the hour held", () => {
    const { open, closed } = countAll([run(10, true, 1), run(61, true, 2), run(30, false, 3)]);
    expect(closed.map((h) => [h.hour, h.runs])).toEqual([[HOUR, 1]]);
    expect(open).toMatchObject({ hour: HOUR + HOUR_MS, runs: 2, successes: 1 });
  });

  it("takes percentiles by nearest rank over every run, as the rollup of raw results does", () => {
    const latencies = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10];
    const { open } = countAll(latencies.map((l, i) => run(i, true, l, { maintenance: i === 0 })));
    expect(rollupOf({ plane: "p", region: "r", probe: "x" }, open!)).toMatchObject({ p50: 5, p95: 10, runs: 9, maintenanceRuns: 1 });
    expect(rollupOf({ plane: "p", region: "r", probe: "x" }, { ...open!, latencies: [] })).toMatchObject({ p50: null, p95: null });
  });
});

describe("which runs reach D1 as raw results", () => {
  const at = HOUR;
  const SAMPLE_MS = 600_000;
  it("keeps every failure and the first pass after one", () => {
    expect(keepsRaw({ at, ok: false }, true, at - 1, SAMPLE_MS)).toBe(true);
    expect(keepsRaw({ at, ok: true }, false, at - 1, SAMPLE_MS)).toBe(true);
  });

  it("keeps one pass in the sample interval, the first pass ever, and every pass when the interval is 0", () => {
    expect(keepsRaw({ at, ok: true }, null, null, SAMPLE_MS)).toBe(true);
    expect(keepsRaw({ at, ok: true }, true, at - SAMPLE_MS + 1, SAMPLE_MS)).toBe(false);
    expect(keepsRaw({ at, ok: true }, true, at - SAMPLE_MS, SAMPLE_MS)).toBe(true);
    expect(keepsRaw({ at, ok: true }, true, at, 0)).toBe(true);
  });
});
