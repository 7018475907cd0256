/**
 * History from a Plane object's own counts (src/storage/hour_figures.ts): each (region, probe)'s
 * hour goes to D1 whole, as it goes and once more when it closes, and only some passes go raw.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { planeStub } from "../../src/objects/stubs.ts";
import type { HourRollup } from "../../src/storage/hour_figures.ts";
import { writeHistory } from "../../src/storage/history.ts";
import { floorTo, HOUR_MS } from "../../src/storage/rollup_plan.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import { flushHistory } from "../support/history.ts";

const MINUTE_MS = 60_000;
const PLANE = "good";

function result(region: string, at: number, ok: boolean, latencyMs: number): ProbeResult {
  return {
    plane: PLANE,
    region,
    probe: "healthz",
    kind: "http",
    at,
    ok,
    reason: ok ? "ok" : "timeout",
    latencyMs,
    httpStatus: ok ? 200 : null,
    message: "",
  };
}

const hourRows = (hour: number) =>
  env.DB.prepare(
    `SELECT region, runs, successes, maintenance_runs, latency_p50_ms AS p50, latency_p95_ms AS p95, failures
     FROM results_hourly WHERE plane = ? AND probe = 'healthz' AND hour = ? ORDER BY region`,
  )
    .bind(PLANE, hour)
    .all()
    .then((r) => r.results);

const planeHour = (hour: number) =>
  env.DB.prepare("SELECT runs, successes, failures FROM planes_hourly WHERE plane = ? AND hour = ?").bind(PLANE, hour).first();

const rawRuns = (from: number) =>
  env.DB.prepare("SELECT region, at, ok FROM results WHERE plane = ? AND probe = 'healthz' AND at >= ? ORDER BY at, region")
    .bind(PLANE, from)
    .all<{ region: string; at: number; ok: number }>()
    .then((r) => r.results);

describe("hourly history from the Plane object", () => {
  // Hours ahead of the clock: newer than any result stored, each test in hours of its own.
  const base = floorTo(Date.now(), HOUR_MS) + 2 * HOUR_MS;

  it("writes each hour whole: the current one as it goes, the closed one through the outbox; planes_hourly sums them", async () => {
    const stub = planeStub(env, PLANE);
    const h = base;
    await stub.report(PLANE, [
      result("wnam", h + MINUTE_MS, true, 40),
      result("wnam", h + 2 * MINUTE_MS, false, 90),
      result("weur", h + MINUTE_MS, true, 30),
    ]);
    await flushHistory(env.DB, stub, PLANE);
    expect(await hourRows(h)).toEqual([
      { region: "weur", runs: 1, successes: 1, maintenance_runs: 0, p50: 30, p95: 30, failures: null },
      { region: "wnam", runs: 2, successes: 1, maintenance_runs: 0, p50: 40, p95: 90, failures: '{"timeout":1}' },
    ]);
    expect(await planeHour(h)).toEqual({ runs: 3, successes: 2, failures: '{"timeout":1}' });

    // The next hour's first run closes wnam's hour: it goes out whole, with what came since.
    await stub.report(PLANE, [result("wnam", h + 3 * MINUTE_MS, true, 50), result("wnam", h + HOUR_MS + MINUTE_MS, true, 60)]);
    await runDurableObjectAlarm(stub);
    expect((await hourRows(h)).find((r) => r.region === "wnam")).toMatchObject({ runs: 3, successes: 2, p50: 50 });
    expect(await planeHour(h)).toEqual({ runs: 4, successes: 3, failures: '{"timeout":1}' });

    // D1 kept the failure and the passes before and after it, not the pass within the hour after; the hours count every run.
    expect(await rawRuns(h)).toEqual([
      { region: "weur", at: h + MINUTE_MS, ok: 1 },
      { region: "wnam", at: h + MINUTE_MS, ok: 1 },
      { region: "wnam", at: h + 2 * MINUTE_MS, ok: 0 },
      { region: "wnam", at: h + 3 * MINUTE_MS, ok: 1 },
    ]);
  });

  it("sends a pass raw once in rawPassSeconds (an hour by default), and every failure", async () => {
    const stub = planeStub(env, PLANE);
    const h = base + 2 * HOUR_MS;
    const every = HOUR_MS / 4;
    const runs = Array.from({ length: 9 }, (_, i) => result("apac", h + i * every, i !== 6, 20));
    for (const run of runs) await stub.report(PLANE, [run]);
    await flushHistory(env.DB, stub, PLANE);
    // Passes at 0 and 4 (a sample an hour), the failure at 6 and the pass after it at 7.
    expect((await rawRuns(h)).map((r) => (r.at - h) / every)).toEqual([0, 4, 6, 7]);
    expect(await hourRows(h)).toEqual([expect.objectContaining({ region: "apac", runs: runs.filter((r) => r.at < h + HOUR_MS).length })]);
  });

  it("loses no hour while D1 is down, and a copy sent again or an older one changes nothing", async () => {
    const stub = planeStub(env, PLANE);
    const h = base + 6 * HOUR_MS;
    await stub.report(PLANE, [result("weur", h + MINUTE_MS, true, 10), result("weur", h + 2 * MINUTE_MS, true, 10)]);
    await flushHistory(env.DB, stub, PLANE);
    expect(await hourRows(h)).toEqual([expect.objectContaining({ region: "weur", runs: 2 })]);

    await env.DB.exec("ALTER TABLE results_hourly RENAME TO results_hourly_offline");
    try {
      // Closes the hour: it waits in the outbox while D1 cannot take it.
      await stub.report(PLANE, [result("weur", h + 3 * MINUTE_MS, true, 10), result("weur", h + HOUR_MS + MINUTE_MS, true, 10)]);
      await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now()));
      await runDurableObjectAlarm(stub);
      const waiting = await runInDurableObject(
        stub,
        (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE kind = 'rollup'").one().n,
      );
      expect(waiting).toBe(1);
    } finally {
      await env.DB.exec("ALTER TABLE results_hourly_offline RENAME TO results_hourly");
    }
    await flushHistory(env.DB, stub, PLANE);
    expect(await hourRows(h)).toEqual([expect.objectContaining({ region: "weur", runs: 3 })]);

    // The same hour sent again, and an older copy of it: neither replaces the row that holds more runs, or as many.
    const stale: HourRollup = {
      ...{ plane: PLANE, hour: h, region: "weur", probe: "healthz", maintenanceRuns: 0, latencySumMs: 0, latencyMaxMs: 0 },
      ...{ runs: 2, successes: 0, p50: null, p95: null, failures: { timeout: 2 } },
    };
    await writeHistory(env.DB, [], [], [{ ...stale, runs: 3 }, stale]);
    expect(await hourRows(h)).toEqual([{ region: "weur", runs: 3, successes: 3, maintenance_runs: 0, p50: 10, p95: 10, failures: null }]);
  });
});
