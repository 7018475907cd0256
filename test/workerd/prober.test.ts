import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { planeStub, proberStub } from "../../src/objects/stubs.ts";
import { rowsWrittenBy } from "../support/rows.ts";

/** The "frequent" plane probes every second, after an hour's initial delay: time is moved by hand here. */
const PLANE = "frequent";
const REGION = "enam";
const prober = () => proberStub(env, PLANE, REGION);

async function runsAtPlane(): Promise<number> {
  const { snapshot } = await planeStub(env, PLANE).detail(PLANE);
  return snapshot.counters.filter((c) => c.name === "planewatch_probe_runs_total").reduce((sum, c) => sum + c.value, 0);
}

async function keptBack(): Promise<number> {
  return runInDurableObject(prober(), (_object, state) =>
    state.storage.sql
      .exec<{ unreported: string }>("SELECT unreported FROM kept_back")
      .toArray()
      .reduce((n, row) => n + (JSON.parse(row.unreported) as unknown[]).length, 0),
  );
}

/** Rows written by the Prober object's own statements (a round's report writes in the Plane object too). */
const proberRowsWrittenBy = (run: () => Promise<unknown>) => rowsWrittenBy(prober(), run, "this object");

/** Moves the clock on and runs the Prober's alarm: one round of both probes. */
async function round(afterMs: number): Promise<void> {
  vi.setSystemTime(Date.now() + afterMs);
  expect(await runDurableObjectAlarm(prober())).toBe(true);
}

describe("the Prober's reports", () => {
  beforeAll(async () => {
    // Alarms the runtime would fire on its own are set in real time, an hour or more away.
    vi.useFakeTimers({ now: Date.now() + 3_600_000, toFake: ["Date"] });
    await prober().tick(PLANE, REGION);
    await round(0); // first sight: both probes wait their initial delay
  });
  afterAll(() => vi.useRealTimers());

  it("sends at once every result that could change a verdict, and keeps the others back", async () => {
    await round(3_600_000);
    // First results of both: each starts a run.
    expect(await runsAtPlane()).toBe(2);
    // Reported at once, the probes keeping to their cadence: the round writes no row in the Prober, and sets its alarm.
    expect(await proberRowsWrittenBy(() => round(1_000))).toBe(1);
    await round(1_000);
    // "down" fails its 2nd and 3rd time (failureThreshold 3): each could fail a passing probe, and takes "up" along.
    expect(await runsAtPlane()).toBe(6);
    expect(await keptBack()).toBe(0);
    await round(1_000);
    // Runs past their thresholds change nothing: kept back, in storage, in one row beside the alarm (and no other object writes).
    expect(await rowsWrittenBy(prober(), () => round(1_000))).toBe(2);
    expect(await runsAtPlane()).toBe(6);
    expect(await keptBack()).toBe(4);
    const { snapshot } = await planeStub(env, PLANE).detail(PLANE);
    expect(snapshot.results.map((r) => [r.probe, r.state.verdict])).toEqual([
      ["down", "fail"],
      ["up", "pass"],
    ]);
  });

  it("sends what it kept before the oldest is ten seconds old", async () => {
    const oldest = Date.now() - 1_000;
    while ((await keptBack()) > 0) await round(1_000);
    expect(Date.now() - oldest).toBeLessThanOrEqual(10_000);
    // Every round counted once: the first ones at once, the kept ones in one report.
    expect(await runsAtPlane()).toBe(2 * ((Date.now() - oldest) / 1_000 + 4));
  });

  it("keeps what it could not report, its alarm still armed, and delivers it once the Plane object answers", async () => {
    const before = await runsAtPlane();
    const unreachable = {
      get: () => ({ report: () => Promise.reject(new Error("plane unreachable")) }),
      idFromName: env.PLANE.idFromName.bind(env.PLANE),
    };
    const setPlane = (plane: object) =>
      runInDurableObject(prober(), (object) => void ((object as unknown as { env: object }).env = { ...env, PLANE: plane }));
    await setPlane(unreachable);
    // Kept back: the results are stored, and the alarm set.
    expect(await proberRowsWrittenBy(() => round(1_000))).toBe(2);
    // The oldest is due: the report is tried, and fails. The round came 9.5 s late: both probes
    // skip the times they missed and keep their cadence, so only the results are stored.
    expect(await proberRowsWrittenBy(() => round(10_500))).toBe(2);
    expect(await keptBack()).toBe(4);
    expect(await runsAtPlane()).toBe(before);
    await setPlane(env.PLANE);
    await round(1_000);
    expect(await keptBack()).toBe(0);
    expect(await runsAtPlane()).toBe(before + 6);
  });

  it("a new instance carries on from storage: the probes' cadence, and what was kept back", async () => {
    const before = await runsAtPlane();
    await round(1_000);
    expect(await keptBack()).toBe(2);
    // What a restart leaves: storage only.
    await runInDurableObject(prober(), (object) => void ((object as unknown as { state: unknown }).state = undefined));
    await round(1_000);
    // Both probes were due again (not waiting a first sight's hour), and a new instance's runs report at once, with the kept two.
    expect(await keptBack()).toBe(0);
    expect(await runsAtPlane()).toBe(before + 4);
  });
});

describe("a new instance with nothing kept back", () => {
  afterAll(() => vi.useRealTimers());

  it("finds the probes' next due times from their cadence, woken a little late, and writes no row but its alarm", async () => {
    vi.useFakeTimers({ now: Date.now() + 3 * 3_600_000, toFake: ["Date"] });
    await prober().tick(PLANE, REGION);
    await round(1_000);
    expect(await keptBack()).toBe(0);
    const before = await runsAtPlane();
    const dueAt = await runInDurableObject(prober(), (_object, state) => state.storage.getAlarm());
    // What a restart leaves: storage only, and nothing kept back there.
    await runInDurableObject(prober(), (object) => void ((object as unknown as { state: unknown }).state = undefined));
    vi.setSystemTime(dueAt! + 300);
    expect(await proberRowsWrittenBy(async () => expect(await runDurableObjectAlarm(prober())).toBe(true))).toBe(1);
    expect(await runsAtPlane()).toBe(before + 2);
    // Back on their cadence: next due a period after the time they were due, not after the late round.
    expect(await runInDurableObject(prober(), (_object, state) => state.storage.getAlarm())).toBe(dueAt! + 1_000);
  });

  it("woken periods late, as a mesh past its capacity is, skips the times it missed and stores no new cadence", async () => {
    const dueAt = await runInDurableObject(prober(), (_object, state) => state.storage.getAlarm());
    vi.setSystemTime(dueAt! + 2_500);
    expect(await proberRowsWrittenBy(async () => expect(await runDurableObjectAlarm(prober())).toBe(true))).toBe(1);
    expect(await runInDurableObject(prober(), (_object, state) => state.storage.getAlarm())).toBe(dueAt! + 3_000);
  });
});

describe("an async submission whose report fails", () => {
  afterAll(() => vi.useRealTimers());

  it("is kept with the round, and reaches the Plane object once it answers", async () => {
    // "async-b" submits once an hour, after an hour: time is moved by hand, two hours on.
    vi.useFakeTimers({ now: Date.now() + 7_200_000, toFake: ["Date"] });
    const stub = proberStub(env, "async-b", "wnam");
    await stub.tick("async-b", "wnam");
    expect(await runDurableObjectAlarm(stub)).toBe(true); // first sight: waits its initial delay
    const submitted = () =>
      runInDurableObject(
        planeStub(env, "async-b"),
        (_object, state) =>
          state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM async_pending WHERE request_id LIKE 'submitted-%'").one().n,
      );
    const before = await submitted();
    // The request is opened with the Plane object; only the report after the submit fails.
    const reportsFail = {
      idFromName: env.PLANE.idFromName.bind(env.PLANE),
      get: (id: DurableObjectId) => {
        const plane = env.PLANE.get(id);
        return {
          openAsync: (...args: Parameters<typeof plane.openAsync>) => plane.openAsync(...args),
          report: () => Promise.reject(new Error("plane unreachable")),
        };
      },
    };
    const setPlane = (plane: object) =>
      runInDurableObject(stub, (object) => void ((object as unknown as { env: object }).env = { ...env, PLANE: plane }));
    await setPlane(reportsFail);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await submitted()).toBe(before);
    // A restart in between loses nothing: the submission is in storage.
    await runInDurableObject(stub, (object) => void ((object as unknown as { state: unknown }).state = undefined));
    await setPlane(env.PLANE);
    expect(await runDurableObjectAlarm(stub)).toBe(true); // the retry, before any probe is due again
    expect(await submitted()).toBe(before + 1);
  });
});
