import {
  createExecutionContext,
  createScheduledController,
  env,
  evictDurableObject,
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { TRACEPARENT_PATTERN } from "../../src/probes/wire/trace.ts";
import { invalidConfigProblemSchema } from "../../src/http/routes/api/schemas.ts";
import { dispatch } from "../../src/scheduler/dispatch.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import type { PlaneSnapshot } from "../../src/status/snapshot.ts";
import { eventsIn, type ReceivedEnvelope } from "../support/envelope.ts";
import { expositionProblems } from "../support/exposition.ts";
import { flushHistory } from "../support/history.ts";
import { rowsWrittenBy } from "../support/rows.ts";

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Runs every Prober object's alarm (its probes), then every Plane object's (publish, D1). */
async function runProbersAndPlanes(): Promise<void> {
  for (const id of await listDurableObjectIds(env.PROBER)) await runDurableObjectAlarm(env.PROBER.get(id));
  for (const id of await listDurableObjectIds(env.PLANE)) await runDurableObjectAlarm(env.PLANE.get(id));
}

async function api<T>(path: string): Promise<T> {
  const res = await exports.default.fetch(`http://mesh${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

interface StatusBody {
  planes: Array<{
    id: string;
    status: string;
    regions: Record<string, { status: string; probes: Record<string, { ok: boolean; reason: string }> }>;
  }>;
}

describe("cron to status, history and metrics", () => {
  beforeAll(async () => {
    await cron();
    await runProbersAndPlanes();
  });

  it("creates one Prober object per (plane, region)", async () => {
    expect(await listDurableObjectIds(env.PROBER)).toHaveLength(11);
  });

  it("gives each plane its status", async () => {
    const body = await api<StatusBody>("/api/v1/status");
    expect(Object.fromEntries(body.planes.map((p) => [p.id, p.status]))).toEqual({
      good: "OK",
      broken: "FAILED",
      keyless: "NO_USER",
      // Their probes wait an hour before the first run: the tests drive them directly.
      frequent: "NO_VALUE",
      "async-a": "NO_VALUE",
      "async-b": "NO_VALUE",
    });
    const good = body.planes.find((p) => p.id === "good")!;
    expect(Object.keys(good.regions)).toEqual(["wnam", "weur", "apac"]);
    expect(good.regions.weur!.probes.sync_predict).toMatchObject({ ok: true, reason: "ok" });
    expect(body.planes.find((p) => p.id === "keyless")!.regions.enam!.probes.sync_predict!.reason).toBe("credentials_missing");
  });

  it("shows one plane with its runbook and transitions", async () => {
    const body = await api<{ status: string; runbook: { summary: string }; transitions: Array<{ from: string; to: string }> }>(
      "/api/v1/planes/broken",
    );
    expect(body.status).toBe("FAILED");
    expect(body.runbook.summary).toMatch(/failed in enough regions/);
    expect(body.transitions[0]).toMatchObject({ from: "NO_VALUE", to: "FAILED" });
  });

  it("writes the history to D1", async () => {
    const { results } = await env.DB.prepare("SELECT plane, count(*) AS n FROM results GROUP BY plane ORDER BY plane").all();
    expect(results).toEqual([
      { plane: "broken", n: 2 },
      { plane: "good", n: 6 },
      { plane: "keyless", n: 1 },
    ]);
    const history = await api<{ results: Array<{ region: string; ok: boolean }> }>("/api/v1/planes/good/history?probe=sync_predict");
    expect(history.results).toHaveLength(3);
    const transitions = await env.DB.prepare("SELECT plane, from_status, to_status FROM transitions ORDER BY plane").all();
    expect(transitions.results).toHaveLength(3);
  });

  it("exports the statuses and probe results as Prometheus text", async () => {
    const res = await exports.default.fetch("http://mesh/metrics");
    expect(res.headers.get("content-type")).toContain("version=0.0.4");
    const text = await res.text();
    expect(text).toContain('workload_plane_health_status{plane="broken",status="FAILED"} 1');
    expect(text).toContain('probe_success{plane="good",region="apac",probe="healthz"} 1');
    expect(text).toContain('planewatch_probe_runs_total{plane="broken",outcome="failure",probe="sync_predict",region="weur"} 1');
    expect(expositionProblems(text)).toEqual([]);
  });

  it("keeps each result's traceparent, X-Request-ID and attempts, in the API, D1 and the metrics", async () => {
    const plane = await api<{ regions: Record<string, { probes: Record<string, { traceparent: string; requestId: string }> }> }>(
      "/api/v1/planes/good",
    );
    const latest = plane.regions.weur!.probes.sync_predict!;
    expect(latest.traceparent).toMatch(TRACEPARENT_PATTERN);
    expect(latest.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const { results } = await env.DB.prepare(
      "SELECT region, probe, traceparent, request_id, attempts FROM results WHERE plane = 'good'",
    ).all<{
      region: string;
      probe: string;
      traceparent: string;
      request_id: string;
      attempts: number;
    }>();
    expect(results.every((r) => TRACEPARENT_PATTERN.test(r.traceparent) && r.attempts === 1)).toBe(true);
    expect(new Set(results.map((r) => r.request_id)).size).toBe(results.length);
    expect(results.find((r) => r.region === "weur" && r.probe === "sync_predict")!.request_id).toBe(latest.requestId);
    const history = await api<{ results: Array<{ traceparent: string; requestId: string; attempts: number }> }>(
      "/api/v1/planes/good/history?probe=sync_predict&region=weur",
    );
    expect(history.results[0]).toMatchObject({ traceparent: latest.traceparent, requestId: latest.requestId, attempts: 1 });
    const text = await (await exports.default.fetch("http://mesh/metrics")).text();
    expect(text).toContain('planewatch_probe_attempts_total{plane="broken",probe="sync_predict",region="weur"} 1');
    expect(text).toContain('planewatch_probe_info{plane="good",probe="sync_predict",kind="sync_predict",critical="true"} 1');
  });

  it("keeps the probe latency as a cumulative histogram", async () => {
    const text = await (await exports.default.fetch("http://mesh/metrics")).text();
    expect(text).toContain("# TYPE planewatch_probe_duration_seconds histogram");
    expect(text).toContain('planewatch_probe_duration_seconds_bucket{plane="good",region="wnam",probe="healthz",le="+Inf"} 1');
    expect(text).toContain('planewatch_probe_duration_seconds_count{plane="good",region="wnam",probe="healthz"} 1');
  });

  it("federates only the series matching one of the match[] selectors", async () => {
    const match = ['workload_plane_health_status{plane=~"good|broken",status="FAILED"}', '{__name__="probe_success",plane="keyless"}'];
    const res = await exports.default.fetch(`http://mesh/federate?${match.map((m) => `match[]=${encodeURIComponent(m)}`).join("&")}`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const samples = (await res.text()).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(samples).toEqual([
      'workload_plane_health_status{plane="good",status="FAILED"} 0',
      'workload_plane_health_status{plane="broken",status="FAILED"} 1',
      'probe_success{plane="keyless",region="enam",probe="sync_predict"} 0',
    ]);
  });

  it("refuses a missing or bad selector with a 400 that says what is wrong", async () => {
    const missing = await exports.default.fetch("http://mesh/federate");
    expect(missing.status).toBe(400);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toMatchObject({ title: "Missing selector" });
    const bad = await exports.default.fetch(`http://mesh/federate?match[]=up&match[]=${encodeURIComponent('{plane=~"(a)\\\\1"}')}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      title: "Invalid selector",
      problems: [{ selector: '{plane=~"(a)\\\\1"}', message: expect.stringMatching(/invalid escape sequence/) }],
    });
  });

  it("answers the regex that pinned a backtracking engine at once, with the right series (issue 13)", async () => {
    const federate = (selector: string) => exports.default.fetch(`http://mesh/federate?match[]=${encodeURIComponent(selector)}`);
    // As reported: `\w` is no escape of a double-quoted PromQL string, so the selector is refused as Prometheus refuses it.
    const reported = await exports.default.fetch('http://mesh/federate?match[]={__name__=~"(\\w|\\w)*!"}');
    expect(reported.status).toBe(400);
    expect(await reported.json()).toMatchObject({ problems: [{ message: expect.stringMatching(/^invalid escape sequence \\w/) }] });
    // The same regex as it reaches the engine, in both spellings: on V8's RegExp each took 2^n steps per metric name.
    for (const selector of ['{__name__=~"(\\\\w|\\\\w)*!"}', "{__name__=~`(\\w|\\w)*!`}"]) {
      const res = await federate(selector);
      expect(res.status, selector).toBe(200);
      expect(
        (await res.text()).split("\n").filter((l) => l !== "" && !l.startsWith("#")),
        selector,
      ).toEqual([]);
    }
    const matching = await (await federate('{__name__=~"(\\\\w|\\\\w)*_status", plane="good"}')).text();
    expect(matching.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toContain(
      'workload_plane_health_status{plane="good",status="OK"} 1',
    );
  });

  it("refuses a selector past a bound with a 400 naming the bound and its limit", async () => {
    const res = await exports.default.fetch(`http://mesh/federate?match[]=${encodeURIComponent(`up{a=~"(?:x{1000}){2}"}`)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ title: "Selector bound exceeded", bound: "programSize", limit: 2048 });
    const many = await exports.default.fetch(`http://mesh/federate?${Array(33).fill("match[]=up").join("&")}`);
    expect(await many.json()).toMatchObject({ status: 400, bound: "selectors", limit: 32 });
  });

  it("serves OpenMetrics to a scraper that asks for it", async () => {
    const res = await exports.default.fetch("http://mesh/metrics", { headers: { accept: "application/openmetrics-text; version=1.0.0" } });
    expect(res.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE planewatch_probe_runs counter\n");
    expect(text).toContain('planewatch_probe_runs_total{plane="broken",outcome="failure",probe="sync_predict",region="weur"} 1');
    expect(text.endsWith("# EOF\n")).toBe(true);
    expect(expositionProblems(text)).toEqual([]);
  });

  it("wants the bearer token on /metrics and /federate when METRICS_TOKEN is set", async () => {
    const guarded = { ...env, METRICS_TOKEN: "s3cret" };
    const call = (path: string, authorization?: string) =>
      worker.fetch(
        new Request(`http://mesh${path}`, { headers: authorization ? { authorization } : {} }),
        guarded,
        createExecutionContext(),
      );
    for (const path of ["/metrics", "/federate?match[]=up"]) {
      const none = await call(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="planewatch"');
      expect((await call(path, "Bearer wrong")).status).toBe(401);
      expect((await call(path, "Bearer s3cret")).status).toBe(200);
    }
    expect((await call("/healthz/livez")).status).toBe(200);
  });

  it("a second tick leaves armed Prober alarms alone, and a run only runs what is due", async () => {
    await cron();
    await runProbersAndPlanes();
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM results WHERE plane = 'good'").all<{ n: number }>();
    // The alarms were armed for a minute later; running them early runs nothing.
    expect(results[0]!.n).toBe(6);
  });

  it("fans out through Dispatcher objects when there are more targets than the width", async () => {
    const report = await dispatch({ ...env, FANOUT_WIDTH: "2" }, { start: 0, end: 6 });
    // Two levels of Dispatchers below the cron's own invocation, none making over 2 subrequests.
    expect(report).toEqual({ ticked: 6, failed: 0, errors: [], invocations: 7, mostSubrequests: 2 });
    expect(await listDurableObjectIds(env.DISPATCHER)).toHaveLength(6);
  });

  it("is ready when config, D1 and the objects answer", async () => {
    expect(await api("/healthz/readyz")).toMatchObject({ ok: true });
  });
});

function result(plane: string, region: string, at: number, ok = true): ProbeResult {
  return {
    plane,
    region,
    probe: "sync_predict",
    kind: "sync_predict",
    at,
    ok,
    reason: ok ? "ok" : "timeout",
    latencyMs: 12,
    httpStatus: 200,
    message: "",
  };
}

describe("expiry and outages", () => {
  beforeAll(async () => {
    // From here on results come only from the tests, not from Prober alarms in the background.
    for (const id of await listDurableObjectIds(env.PROBER)) {
      await runInDurableObject(env.PROBER.get(id), (_object, state) => state.storage.deleteAlarm());
    }
  });

  it("reads NO_VALUE once results stop arriving for the TTL, noticed by the alarm alone", async () => {
    const stub = planeStub(env, "broken");
    expect((await api<StatusBody>("/api/v1/status")).planes.find((p) => p.id === "broken")!.status).toBe("FAILED");
    // No cron, no results: two minutes later the alarm expires the status.
    vi.useFakeTimers({ now: Date.now() + 121_000, toFake: ["Date"] });
    try {
      await runDurableObjectAlarm(stub);
      const summary = await api<StatusBody>("/api/v1/status");
      expect(summary.planes.find((p) => p.id === "broken")!.status).toBe("NO_VALUE");
      const detail = await api<{ transitions: Array<{ from: string; to: string }> }>("/api/v1/planes/broken");
      expect(detail.transitions[0]).toMatchObject({ from: "FAILED", to: "NO_VALUE" });
      const metrics = await (await exports.default.fetch("http://mesh/metrics")).text();
      expect(metrics).toContain('workload_plane_health_status{plane="broken",status="NO_VALUE"} 1');
      // Nobody read the API for it: the alarm alerted Sentry (the stand-in) of its own accord.
      const sink = `${new URL(env.SENTRY_DSN!).origin}/sink/envelopes`;
      const alerts = eventsIn((await (await fetch(sink)).json()) as ReceivedEnvelope[]).filter(
        (e) => e.fingerprint?.join() === "planewatch,broken,NO_VALUE",
      );
      expect(alerts).toEqual([
        expect.objectContaining({
          level: "warning",
          tags: expect.objectContaining({ plane: "broken", status: "NO_VALUE" }),
          accepted: true,
        }),
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("records a re-sent report once: results no newer than the latest of their (region, probe) are ignored", async () => {
    const stub = planeStub(env, "keyless");
    const now = Date.now() + 10_000; // newer than what the earlier tests stored
    const runs = async () =>
      (await stub.detail("keyless")).snapshot.counters
        .filter((c) => c.name === "planewatch_probe_runs_total" && c.labels.region === "enam")
        .reduce((sum, c) => sum + c.value, 0);
    const before = await runs();
    const kept = [result("keyless", "enam", now - 2_000, false), result("keyless", "enam", now - 1_000)];
    await stub.report("keyless", kept);
    // The Prober lost the answer: it sends the same results again with its next round.
    await stub.report("keyless", [...kept, result("keyless", "enam", now)]);
    expect(await runs()).toBe(before + 3);
    expect((await stub.detail("keyless")).snapshot.results.find((r) => r.region === "enam")).toMatchObject({ at: now, ok: true });
    await flushHistory(env.DB, stub, "keyless");
    const { results } = await env.DB.prepare("SELECT ok FROM results WHERE plane = 'keyless' AND region = 'enam' AND at >= ? ORDER BY at")
      .bind(now - 2_000)
      .all();
    // D1 keeps the failure and the first pass after it raw; the hourly rollups count every run once, as the counters do.
    expect(results).toEqual([{ ok: 0 }, { ok: 1 }]);
    const hourly = await env.DB.prepare(
      "SELECT sum(runs + maintenance_runs) AS n FROM results_hourly WHERE plane = 'keyless' AND region = 'enam'",
    ).first<{ n: number }>();
    expect(hourly!.n).toBe(await runs());
  });

  it("writes one row for a region's report whose passes stay out of the raw history", async () => {
    const stub = planeStub(env, "good");
    const at = Date.now() + 5_000; // newer than anything stored
    const round = (t: number) => [result("good", "apac", t), { ...result("good", "apac", t), probe: "healthz", kind: "healthz" }];
    await stub.report("good", round(at - 1_000));
    // Billed by the row: the latest results, runs counters, latency histograms and hour figures of a region's probes are one.
    // The status holds: the plane row is not written (its expiry and the snapshot's version are not stored), and
    // passes within rawPassSeconds of the last one D1 has raw queue nothing.
    expect(await rowsWrittenBy(stub, () => stub.report("good", [result("good", "apac", at)]))).toBe(1);
    expect(await rowsWrittenBy(stub, () => stub.report("good", round(at + 1)))).toBe(1);
  });

  it("publishes and flushes in a row each: the Summary's snapshot, and the delete of each outbox batch", async () => {
    const stub = planeStub(env, "good");
    await runDurableObjectAlarm(stub);
    // A pass an hour (rawPassSeconds) after the last one D1 has raw goes raw: it waits in the outbox.
    const at = Date.now() + 6_000 + 3_600_000;
    await stub.report("good", [result("good", "apac", at)]);
    const batches = await runInDurableObject(
      stub,
      (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
    );
    expect(batches).toBeGreaterThanOrEqual(1);
    // And its alarm, armed again.
    expect(await rowsWrittenBy(stub, () => runDurableObjectAlarm(stub))).toBe(1 + batches + 1);
    // A re-sent result changes nothing: the alarm writes nothing but its alarm.
    await stub.report("good", [result("good", "apac", at)]);
    expect(await rowsWrittenBy(stub, () => runDurableObjectAlarm(stub))).toBe(1);
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM results WHERE plane = 'good' AND region = 'apac' AND at = ?")
      .bind(at)
      .all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
  });

  it("publishes every new result, even one that changes neither status nor expiry", async () => {
    const stub = planeStub(env, "good");
    const at = Date.now() + 1_000; // newer than anything stored
    await stub.report("good", [result("good", "wnam", at)]);
    await stub.report("good", [result("good", "weur", at - 500)]);
    await runDurableObjectAlarm(stub); // publishes, a second after the burst
    const good = (await api<StatusBody>("/api/v1/status")).planes.find((p) => p.id === "good")!;
    expect(good.regions.weur!.probes.sync_predict).toMatchObject({ at: new Date(at - 500).toISOString() });
  });

  it("sends a status change out a second later, and other news at most every 10 s", async () => {
    const stub = planeStub(env, "keyless");
    const alarmAt = () => runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    await runDurableObjectAlarm(stub); // publishes and flushes now
    const at = Date.now() + 20_000; // newer than what the earlier tests stored
    await stub.report("keyless", [result("keyless", "enam", at)]);
    expect((await stub.detail("keyless")).snapshot.status).toBe("OK");
    const quiet = await alarmAt();
    // Each object takes its interval in 5–10 s, so planes started together spread out.
    expect(quiet).toBeGreaterThanOrEqual(Date.now() + 3_000);
    expect(quiet).toBeLessThanOrEqual(Date.now() + 10_000);
    await stub.report("keyless", [result("keyless", "enam", at + 1_000, false)]);
    expect((await stub.detail("keyless")).snapshot.status).toBe("FAILED");
    expect(await alarmAt()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it("brings the alarm back for a report that lands while the alarm publishes", async () => {
    const stub = planeStub(env, "keyless");
    const at = Date.now() + 30_000; // newer than what the earlier tests stored
    await stub.report("keyless", [result("keyless", "enam", at - 1_000)]);
    // The Summary shard's put, for this one alarm: a report lands while it is on its way.
    await runInDurableObject(stub, (object) => {
      const holder = object as unknown as { env: typeof env };
      const summary = holder.env.SUMMARY;
      const putWithReport = {
        idFromName: summary.idFromName.bind(summary),
        get: (id: DurableObjectId) => ({
          put: async (snapshot: PlaneSnapshot) => {
            holder.env = { ...holder.env, SUMMARY: summary };
            await object.report("keyless", [result("keyless", "enam", at)]);
            return summary.get(id).put(snapshot);
          },
        }),
      };
      holder.env = { ...holder.env, SUMMARY: putWithReport as unknown as typeof summary };
    });
    await runDurableObjectAlarm(stub);
    // The snapshot sent had not the last result: the alarm is armed again, and its next run sends it.
    expect(await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())).not.toBeNull();
    const enam = async () => (await api<StatusBody>("/api/v1/status")).planes.find((p) => p.id === "keyless")!.regions.enam!;
    expect((await enam()).probes.sync_predict).toMatchObject({ at: new Date(at - 1_000).toISOString() });
    await runDurableObjectAlarm(stub);
    expect((await enam()).probes.sync_predict).toMatchObject({ at: new Date(at).toISOString() });
  });

  it("keeps history in the outbox while D1 is down, and delivers it when D1 is back", async () => {
    const stub = planeStub(env, "good");
    const outbox = () =>
      runInDurableObject(
        stub,
        (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT coalesce(sum(count), 0) AS n FROM outbox").one().n,
      );
    await runDurableObjectAlarm(stub);
    expect(await outbox()).toBe(0);

    await env.DB.exec("ALTER TABLE results RENAME TO results_offline");
    const at = Date.now() + 5_000; // newer than what the earlier tests stored
    await stub.report("good", [result("good", "wnam", at, false), result("good", "weur", at, false)]);
    await runDurableObjectAlarm(stub);
    expect(await outbox()).toBe(3); // two results and the transition to FAILED
    expect((await api<StatusBody>("/api/v1/status")).planes.find((p) => p.id === "good")!.status).toBe("FAILED");

    await env.DB.exec("ALTER TABLE results_offline RENAME TO results");
    await runDurableObjectAlarm(stub);
    expect(await outbox()).toBe(0);
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM results WHERE plane = 'good' AND at = ?")
      .bind(at)
      .all<{ n: number }>();
    expect(results[0]!.n).toBe(2);
  });
});

describe("the Plane object's alarm while the status holds", () => {
  afterAll(() => vi.useRealTimers());

  it("is armed by the alarm before for the next burst of reports, which then arm none", async () => {
    // Alarms the runtime would fire on its own are set in real time, a day away.
    vi.useFakeTimers({ now: Date.now() + 86_400_000, toFake: ["Date"] });
    const stub = planeStub(env, "good");
    const burst = async () => {
      for (const region of ["wnam", "weur", "apac"]) await stub.report("good", [result("good", region, Date.now())]);
    };
    const alarmAt = () => runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    for (let minute = 0; minute < 2; minute++) {
      await burst();
      vi.setSystemTime(Date.now() + 1_000);
      await runDurableObjectAlarm(stub);
      vi.setSystemTime(Date.now() + 59_000);
      // Idle between rounds, the object leaves memory, as it would on Cloudflare.
      await evictDurableObject(stub);
    }
    // A row a region, and no alarm: the one armed is due within the 10 s a result may wait for.
    expect(await rowsWrittenBy(stub, burst)).toBe(3);
    expect(await alarmAt()).toBeGreaterThan(Date.now());
    expect(await alarmAt()).toBeLessThanOrEqual(Date.now() + 10_000);
    // A region that skips a round costs an alarm with nothing to publish; its next report is not held up for it.
    vi.setSystemTime(Date.now() + 60_000);
    await runDurableObjectAlarm(stub);
    await stub.report("good", [result("good", "wnam", Date.now())]);
    expect(await alarmAt()).toBeLessThanOrEqual(Date.now() + 10_000);
  });
});

describe("an invalid config", () => {
  const broken = { ...env, PLANES_CONFIG: JSON.stringify({ planes: [{ id: "x", regions: ["mars"], probes: [] }] }) };
  const call = (path: string) => worker.fetch(new Request(`http://mesh${path}`), broken, createExecutionContext());

  it("fails readiness with every problem listed", async () => {
    const res = await call("/healthz/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ok: false,
      checks: {
        config: {
          ok: false,
          source: "PLANES_CONFIG",
          problems: [
            { path: "planes[0].regions[0]", message: expect.stringMatching(/expected one of/) },
            { path: "planes[0].probes", message: expect.stringMatching(/>=1 items/) },
          ],
        },
      },
    });
  });

  it("makes the API answer 503 with the problems, and /metrics say so", async () => {
    const res = await call("/api/v1/status");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json();
    expect(body).toMatchObject({ title: "Invalid configuration", problems: [{ path: "planes[0].regions[0]" }, {}] });
    // As the OpenAPI document describes it.
    expect(invalidConfigProblemSchema.safeParse(body).error).toBeUndefined();
    expect(await (await call("/metrics")).text()).toBe(
      "# HELP planewatch_config_valid 1 if the planes config is valid, 0 if it is refused (see /healthz/readyz).\n# TYPE planewatch_config_valid gauge\nplanewatch_config_valid 0\n",
    );
  });

  it("makes the cron refuse to probe", async () => {
    await expect(worker.scheduled(createScheduledController(), broken, createExecutionContext())).rejects.toThrow(/invalid/);
  });
});

describe("readiness of async probes", () => {
  it("fails without PUBLIC_URL, which the platform's webhooks need", async () => {
    const res = await worker.fetch(new Request("http://mesh/healthz/readyz"), { ...env, PUBLIC_URL: undefined }, createExecutionContext());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ checks: { webhooks: { ok: false, error: expect.stringMatching(/PUBLIC_URL/) } } });
  });
});
