import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { MAINTENANCE_CRON } from "../../src/scheduler/cron.ts";
import { writeHistory } from "../../src/storage/history.ts";
import { DAY_MS, HOUR_MS, type Retention } from "../../src/storage/rollup_plan.ts";
import { maintainHistory, MAINTENANCE_QUERY_BUDGET, type MaintenanceReport } from "../../src/storage/rollups.ts";
import { readUptime } from "../../src/storage/uptime.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import { hoursOf } from "../support/history.ts";

const MINUTE_MS = 60_000;
/** A fixed "now", far from the real clock: this file's history is its own. */
const NOW = Date.UTC(2031, 4, 20, 12, 30);
const RETENTION: Retention = { rawDays: 2, hourlyDays: 35, dailyDays: 400 };

/** Nine days of results every five minutes: two planes, two regions; plane r1 fails every 7th run. */
function seedResults(): ProbeResult[] {
  const results: ProbeResult[] = [];
  for (let at = NOW - 9 * DAY_MS; at < NOW; at += 5 * MINUTE_MS) {
    for (const plane of ["r1", "r2"]) {
      for (const region of ["wnam", "weur"]) {
        const ok = plane === "r2" || (at / (5 * MINUTE_MS)) % 7 !== 0;
        results.push({
          plane,
          region,
          probe: "sync_predict",
          kind: "sync_predict",
          at,
          ok,
          reason: ok ? "ok" : "timeout",
          latencyMs: 10,
          httpStatus: 200,
          message: "",
        });
      }
    }
  }
  return results;
}

async function insert(results: ProbeResult[]): Promise<void> {
  for (let i = 0; i < results.length; i += 500) await writeHistory(env.DB, results.slice(i, i + 500), []);
}

/** D1 with every query counted: a batch counts each of its statements. */
function countingDb(counter: { queries: number }): D1Database {
  const count = <T extends object>(target: T, methods: string[]): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (typeof value !== "function") return value;
        if (methods.includes(String(key))) counter.queries++;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(t, args);
          return key === "bind" ? count(result as object, ["first", "all", "run", "raw"]) : result;
        };
      },
    });
  return new Proxy(env.DB, {
    get(db, key) {
      if (key === "prepare") return (sql: string) => count(db.prepare(sql), ["first", "all", "run", "raw"]);
      if (key === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.queries += statements.length;
          return db.batch(statements);
        };
      }
      return Reflect.get(db, key);
    },
  });
}

/** Runs the maintenance until it has done everything due, each run within the query budget. */
async function maintainUntilDone(now: number, retention: Retention | null): Promise<MaintenanceReport[]> {
  const reports: MaintenanceReport[] = [];
  for (;;) {
    const counter = { queries: 0 };
    const report = await maintainHistory(countingDb(counter), now, retention, { sliceRows: 1_000, queryBudget: MAINTENANCE_QUERY_BUDGET });
    expect(counter.queries).toBeLessThanOrEqual(MAINTENANCE_QUERY_BUDGET);
    expect(counter.queries).toBe(report.queries);
    reports.push(report);
    if (report.complete) return reports;
    expect(reports.length).toBeLessThan(50);
  }
}

function countSeeded(results: ProbeResult[], plane: string, from: number, to: number) {
  const inWindow = results.filter((r) => r.plane === plane && r.at >= from && r.at < to);
  return { runs: inWindow.length, successes: inWindow.filter((r) => r.ok).length };
}

async function tableRows(table: string): Promise<unknown[]> {
  return (await env.DB.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`).all()).results;
}

describe("history rollups and retention", () => {
  const seeded = seedResults();
  let reports: MaintenanceReport[];

  beforeAll(async () => {
    await insert(seeded);
    reports = await maintainUntilDone(NOW, RETENTION);
  });

  it("works off nine days of backlog over several runs, each within the query budget", () => {
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.reduce((n, r) => n + r.hoursRolled, 0)).toBeGreaterThanOrEqual(9 * 24 - 1);
    expect(reports.reduce((n, r) => n + r.pruned.raw, 0)).toBeGreaterThan(0);
  });

  it("answers uptime over 1 h, 24 h, 7 d and 30 d from the rollups, from the top of the hour holding each start", async () => {
    for (const plane of ["r1", "r2"]) {
      const windows = await readUptime(env.DB, plane, NOW);
      expect(windows.map((w) => w.from)).toEqual([
        NOW - HOUR_MS - 30 * MINUTE_MS,
        NOW - DAY_MS - 30 * MINUTE_MS,
        NOW - 7 * DAY_MS - 30 * MINUTE_MS,
        NOW - 30 * DAY_MS - 30 * MINUTE_MS,
      ]);
      for (const w of windows) {
        // The job rolls up whole hours of raw results; the current one is its Plane objects' to write (none here).
        const expected = countSeeded(seeded, plane, w.from, NOW - 30 * MINUTE_MS);
        expect(w).toMatchObject({ ...expected, to: NOW, probes: { sync_predict: expected } });
      }
    }
    const r1 = await readUptime(env.DB, "r1", NOW);
    expect(r1[3]!.successes).toBeLessThan(r1[3]!.runs);
  });

  it("keeps raw results for the retention only, and the rollups of everything", async () => {
    const oldest = await env.DB.prepare("SELECT min(at) AS at FROM results").first<{ at: number }>();
    expect(oldest!.at).toBeGreaterThanOrEqual(NOW - RETENTION.rawDays * DAY_MS - HOUR_MS);
    const hourly = await env.DB.prepare("SELECT count(*) AS n, min(hour) AS first FROM results_hourly").first<{
      n: number;
      first: number;
    }>();
    expect(hourly).toEqual({ n: 9 * 24 * 4, first: NOW - 9 * DAY_MS - 30 * MINUTE_MS });
    const daily = await env.DB.prepare("SELECT count(DISTINCT day) AS days FROM results_daily").first<{ days: number }>();
    expect(daily!.days).toBe(9);
  });

  it("changes nothing when run again", async () => {
    const before = [await tableRows("results_hourly"), await tableRows("results_daily")];
    const [again] = await maintainUntilDone(NOW, RETENTION);
    expect(again).toMatchObject({ pruned: { raw: 0, hourly: 0, daily: 0 }, complete: true });
    expect([await tableRows("results_hourly"), await tableRows("results_daily")]).toEqual(before);
  });

  it("counts a result that reaches D1 late, in an hour already rolled up", async () => {
    const late: ProbeResult = { ...seeded.at(-1)!, plane: "r2", at: NOW - 90 * MINUTE_MS + 30_000, ok: false, reason: "timeout" };
    await insert([late]);
    seeded.push(late);
    await maintainUntilDone(NOW + 20 * MINUTE_MS, RETENTION);
    const [, day] = await readUptime(env.DB, "r2", NOW);
    expect(day).toMatchObject(countSeeded(seeded, "r2", NOW - DAY_MS - 30 * MINUTE_MS, NOW - 30 * MINUTE_MS));
    expect(day!.successes).toBe(day!.runs - 1);
  });

  it("leaves results taken in a maintenance window out of uptime, raw and rolled up, and counts them apart", async () => {
    const base = { ...seeded.at(-1)!, plane: "m1" };
    const run = (minutesAgo: number, ok: boolean, maintenance: boolean) => ({
      ...base,
      at: NOW - minutesAgo * MINUTE_MS,
      ok,
      reason: ok ? "ok" : "timeout",
      maintenance,
    });
    // An hour rolled up from raw results, and the current one as its Plane object writes it: in each, one run
    // outside a window and a failure inside.
    const current = [run(10, true, false), run(9, false, true)];
    await writeHistory(env.DB, [run(90, true, false), run(89, false, true), ...current], [], hoursOf(current));
    await maintainUntilDone(NOW + 20 * MINUTE_MS, RETENTION);
    const [hour, day] = await readUptime(env.DB, "m1", NOW);
    expect(hour).toMatchObject({ runs: 2, successes: 2 });
    expect(day).toMatchObject({ runs: 2, successes: 2 });
    const rolled = await env.DB.prepare("SELECT runs, successes, maintenance_runs FROM results_hourly WHERE plane = 'm1'").all();
    expect(rolled.results).toContainEqual({ runs: 1, successes: 1, maintenance_runs: 1 });
  });

  it("prunes hourly rollups after their retention, skipping the weeks the mesh was stopped", async () => {
    const later = NOW + 40 * DAY_MS;
    const runs = await maintainUntilDone(later, RETENTION);
    expect(runs).toHaveLength(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM results").first()).toEqual({ n: 0 });
    // Every hourly rollup is older than 35 days by now; the daily ones stay.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM results_hourly").first()).toEqual({ n: 0 });
    // The nine days rolled before, and the day of NOW, complete since.
    expect(await env.DB.prepare("SELECT count(DISTINCT day) AS days FROM results_daily").first()).toEqual({ days: 10 });
    // The 30 days before `later` hold no results; the uptime says so instead of failing.
    const windows = await readUptime(env.DB, "r1", later);
    expect(windows.map((w) => w.runs)).toEqual([0, 0, 0, 0]);
  });

  it("runs on its own cron, and with a retention it cannot read rolls up but prunes nothing, loudly", async () => {
    const now = NOW + 52 * DAY_MS + 2 * HOUR_MS;
    // r4 is nine days old: any default retention of raw results (7 days) would prune it.
    await insert([
      { ...seeded[0]!, plane: "r3", at: NOW + 52 * DAY_MS },
      { ...seeded[0]!, plane: "r4", at: now - 9 * DAY_MS },
    ]);
    vi.useFakeTimers({ now, toFake: ["Date"] });
    try {
      const scheduled = (vars: Record<string, string>) =>
        worker.scheduled(createScheduledController({ cron: MAINTENANCE_CRON }), { ...env, ...vars }, createExecutionContext());
      await expect(scheduled({ RESULTS_RETENTION_DAYS: "a week" })).rejects.toThrow(/RESULTS_RETENTION_DAYS .* got "a week"/);
      expect(await env.DB.prepare("SELECT runs FROM results_hourly WHERE plane = 'r3'").all()).toMatchObject({ results: [{ runs: 1 }] });
      expect(await env.DB.prepare("SELECT plane FROM results ORDER BY plane").all()).toMatchObject({
        results: [{ plane: "r3" }, { plane: "r4" }],
      });
      await scheduled({ RESULTS_RETENTION_DAYS: "1" });
    } finally {
      vi.useRealTimers();
    }
    expect(await env.DB.prepare("SELECT plane FROM results").all()).toMatchObject({ results: [{ plane: "r3" }] });
  });
});
