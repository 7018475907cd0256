/**
 * An upgrade in place: objects whose storage the release before schema versions wrote
 * (test/fixtures/schema-v1/) are opened under this code, which migrates them in its
 * constructor. Nothing is lost, and what they were doing carries on.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { base64url, hmacKey } from "../../src/lib/encoding.ts";
import { migrate } from "../../src/objects/migrate.ts";
import { PLANE_SCHEMA } from "../../src/objects/plane/schema.ts";
import { PROBER_SCHEMA } from "../../src/objects/prober/schema.ts";
import { planeStub, proberStub, summaryStubFor } from "../../src/objects/stubs.ts";
import { SUMMARY_SCHEMA } from "../../src/objects/summary/schema.ts";
import { flushHistory } from "../support/history.ts";
import { eventsIn, type ReceivedEnvelope } from "../support/envelope.ts";
import { until } from "../support/until.ts";
import planeV1 from "../fixtures/schema-v1/plane.sql?raw";
import proberV1 from "../fixtures/schema-v1/prober.sql?raw";
import summaryV1 from "../fixtures/schema-v1/summary.sql?raw";

/** The fixtures' clock: their rows were written up to this time. */
const T0 = 1_800_000_000_000;
const PLANE = "async-b";

/**
 * Gives an object the fixture's storage and restarts it: the next call constructs it, under
 * this code, on that storage. `stubOf` answers a new stub each time (an aborted object's stubs
 * are broken).
 */
async function restartedOn<Stub extends DurableObjectStub>(stubOf: () => Stub, fixture: string): Promise<Stub> {
  await runInDurableObject(stubOf(), async (_object, state) => {
    // This first instance gave the empty storage today's tables; the fixture starts from none.
    await state.storage.deleteAll();
    state.storage.sql.exec(fixture);
  });
  await expect(
    runInDurableObject(stubOf(), (_object, state) => state.abort("restarted on the previous release's storage")),
  ).rejects.toThrow("restarted");
  return stubOf();
}

const rows = <T>(stub: DurableObjectStub, query: string) =>
  runInDurableObject(stub, (_object, state) => state.storage.sql.exec<T & Record<string, SqlStorageValue>>(query).toArray());
const schemaVersion = async (stub: DurableObjectStub) =>
  (await rows<{ version: number }>(stub, "SELECT version FROM schema_version"))[0]?.version;

/** The webhook token the fixture's Plane object issued for its pending request (its key is in the fixture). */
async function fixtureToken(nonce: string): Promise<string> {
  const key = await hmacKey(new Uint8Array(Array.from({ length: 32 }, (_, i) => i)));
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${PLANE}:${nonce}`));
  return `${nonce}.${base64url(new Uint8Array(mac))}`;
}

/** The platform's signature of a webhook body. */
async function sign(body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(env.TEST_WEBHOOK_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

beforeEach(() => void vi.useFakeTimers({ now: T0 + 1_000, toFake: ["Date"] }));
afterEach(() => void vi.useRealTimers());

/** Every table's and index's columns, as SQLite reads the storage's schema. */
function schemaOf(sql: SqlStorage) {
  return sql
    .exec(
      `SELECT m.type, m.name, p.name AS column, p.type AS column_type, p."notnull", p.dflt_value, p.pk
       FROM sqlite_master m, pragma_table_info(m.name) p
       WHERE substr(m.name, 1, 4) <> '_cf_' AND m.name <> 'schema_version' ORDER BY m.name, p.cid`,
    )
    .toArray();
}

describe("an upgrade from the release before schema versions", () => {
  it("starts from step 1 of each class: the previous release's schema, exactly", async () => {
    for (const [fixture, steps] of [
      [planeV1, PLANE_SCHEMA],
      [proberV1, PROBER_SCHEMA],
      [summaryV1, SUMMARY_SCHEMA],
    ] as const) {
      const released = await runInDurableObject(env.DISPATCHER.get(env.DISPATCHER.newUniqueId()), (_object, state) => {
        state.storage.sql.exec(fixture);
        return schemaOf(state.storage.sql);
      });
      const stepOne = await runInDurableObject(env.DISPATCHER.get(env.DISPATCHER.newUniqueId()), (_object, state) => {
        migrate(state.storage, steps.slice(0, 1));
        return schemaOf(state.storage.sql);
      });
      expect(stepOne.length).toBeGreaterThan(0);
      expect(stepOne).toEqual(released);
    }
  });

  it("keeps a Plane object's status, results, counters and histograms, and its transitions", async () => {
    const stub = await restartedOn(() => planeStub(env, PLANE), planeV1);
    expect(await schemaVersion(stub)).toBe(PLANE_SCHEMA.length);
    const { snapshot, transitions } = await stub.detail(PLANE);
    expect(snapshot).toMatchObject({ plane: PLANE, status: "OK", since: T0 - 3_600_000 });
    // Step 6: the plane row keeps the status and since when; the expiry follows from the latest results.
    // Step 7: it has not written its hours to D1 yet.
    expect(await rows(stub, "SELECT * FROM plane")).toEqual([
      { id: 1, plane: PLANE, status: "OK", since: T0 - 3_600_000, hours_written_at: null },
    ]);
    // Recomputed from the newest result and the TTL: what the previous release had stored.
    expect(snapshot.expiresAt).toBe(T0 + 60_000);
    expect(snapshot.results.map((r) => [r.region, r.at, r.latencyMs, r.state])).toEqual([
      ["weur", T0 - 60_000, 1210, { verdict: "pass", successes: 1, failures: 0, failReason: null }],
      ["wnam", T0 - 60_000, 850.5, { verdict: "pass", successes: 3, failures: 0, failReason: null }],
    ]);
    expect(snapshot.counters.map((c) => [c.name, c.labels, c.value])).toEqual(
      expect.arrayContaining([
        ["planewatch_webhook_deliveries_total", { outcome: "matched" }, 5],
        ["planewatch_probe_runs_total", { outcome: "success", probe: "async_predict", region: "wnam" }, 3],
        ["planewatch_probe_runs_total", { outcome: "failure", probe: "async_predict", region: "weur" }, 1],
        ["planewatch_probe_runs_total", { outcome: "success", probe: "async_predict", region: "weur" }, 1],
      ]),
    );
    expect(snapshot.counters).toHaveLength(4);
    expect(snapshot.histograms).toEqual([
      { region: "weur", probe: "async_predict", bounds: [0.5, 1, 5], counts: [0, 1, 2], sum: 7.21, count: 2 },
      { region: "wnam", probe: "async_predict", bounds: [0.5, 1, 5], counts: [0, 3, 3], sum: 2.6, count: 3 },
    ]);
    expect(snapshot.gauges).toEqual([{ name: "planewatch_async_pending", labels: {}, value: 1 }]);
    // Step 5 (maintenance): the transitions kept say no window, and the plane is in none and does not flap.
    expect(transitions.map((t) => [t.at, t.from, t.to, t.maintenance])).toEqual([
      [T0 - 3_600_000, "FAILED", "OK", null],
      [T0 - 7_200_000, "NO_VALUE", "FAILED", null],
    ]);
    expect(snapshot).toMatchObject({ maintenance: null, flapping: false });
    // The API serves it too.
    const answer = (await (await exports.default.fetch(`http://mesh/api/v1/planes/${PLANE}`)).json()) as {
      status: string;
      transitions: unknown[];
    };
    expect(answer).toMatchObject({ status: "OK" });
    expect(answer.transitions).toHaveLength(2);
    // The tables the previous release had apart are gone, their rows in one row per region (`regions`).
    const tables = await rows<{ name: string }>(
      stub,
      "SELECT name FROM sqlite_master WHERE name IN ('latest', 'latency_histograms', 'probes')",
    );
    expect(tables).toEqual([]);
    // Results from before streamed answers were measured have no figures and no time to first token histogram.
    expect(snapshot.results.every((r) => r.figures === undefined)).toBe(true);
    expect(snapshot.firstTokenHistograms).toEqual([]);
    const probes = (columns: string) =>
      rows(stub, `SELECT regions.region, ${columns} FROM regions, json_each(regions.probes) AS p ORDER BY regions.region`);
    expect(await probes("p.value ->> 'figures' AS figures, p.value ->> 'first_token_histogram' AS first_token_histogram")).toEqual([
      { region: "weur", figures: null, first_token_histogram: null },
      { region: "wnam", figures: null, first_token_histogram: null },
    ]);
    // Step 4: the results it had carry no request trace and no attempts; the next ones will.
    expect(
      await probes(
        "p.value ->> 'traceparent' AS traceparent, p.value ->> 'request_id' AS request_id, p.value ->> 'runs_attempts' AS runs_attempts",
      ),
    ).toEqual([
      { region: "weur", traceparent: null, request_id: null, runs_attempts: 0 },
      { region: "wnam", traceparent: null, request_id: null, runs_attempts: 0 },
    ]);
    expect(snapshot.results.every((r) => r.traceparent === undefined && r.requestId === undefined)).toBe(true);
  });

  it("flushes a Plane object's outbox to D1, sends its queued alert, and judges its pending request on its webhook", async () => {
    const stub = await restartedOn(() => planeStub(env, PLANE), planeV1);
    // Step 6: each row waiting from before is a batch of its one entry, in its place in line.
    expect(
      (await rows<{ id: number; kind: string; count: number; body: string }>(stub, "SELECT * FROM outbox ORDER BY id")).map((r) => [
        r.id,
        r.kind,
        r.count,
        (JSON.parse(r.body) as Array<{ at: number }>).map((e) => e.at),
      ]),
    ).toEqual([
      [41, "result", 1, [T0 - 60_000]],
      [42, "transition", 1, [T0 - 3_600_000]],
    ]);
    const nonce = "upgrade-nonce-1";
    const body = JSON.stringify({
      request_id: "upgrade-request-1",
      model_id: "m",
      deployment_id: "d",
      type: "async_request_completed",
      time: new Date().toISOString(),
      data: { status: "ok" },
      errors: [],
    });
    const delivered = await exports.default.fetch(`http://mesh/webhooks/async/${PLANE}/${await fixtureToken(nonce)}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-baseten-signature": await sign(body) },
      body,
    });
    expect(await delivered.json()).toMatchObject({ outcome: "matched" });
    // The request's status poll was due 5 s after T0; the alarm polls it and judges the request.
    vi.setSystemTime(T0 + 6_000);
    for (let run = 0; run < 5 && (await rows(stub, "SELECT nonce FROM async_pending")).length > 0; run++) await runDurableObjectAlarm(stub);
    expect(await rows(stub, "SELECT nonce FROM async_pending")).toEqual([]);
    expect(await rows(stub, "SELECT id FROM alert_queue")).toEqual([]);
    while ((await rows(stub, "SELECT id FROM outbox")).length > 0) await runDurableObjectAlarm(stub);
    // The upgraded (region, probe) counts its hours from its next run on: D1 gets the settled request's.
    expect(await flushHistory(env.DB, stub, PLANE)).toBeGreaterThanOrEqual(1);

    const results = await env.DB.prepare("SELECT region, at, ok FROM results WHERE plane = ? ORDER BY at").bind(PLANE).all();
    expect(results.results).toEqual(
      expect.arrayContaining([
        { region: "wnam", at: T0 - 60_000, ok: 1 }, // from the outbox
        { region: "wnam", at: T0 - 30_000, ok: 1 }, // the request the webhook settled
      ]),
    );
    const recovery = await env.DB.prepare("SELECT from_status, to_status FROM transitions WHERE plane = ? AND at = ?")
      .bind(PLANE, T0 - 3_600_000)
      .first();
    expect(recovery).toEqual({ from_status: "FAILED", to_status: "OK" });
    const sink = new URL(env.SENTRY_DSN!).origin;
    await until(
      "the queued alert at the Sentry stand-in",
      async () => {
        const envelopes = (await (await fetch(`${sink}/sink/envelopes`)).json()) as ReceivedEnvelope[];
        return eventsIn(envelopes).find((e) => e.event_id === "0123456789abcdef0123456789abcdef");
      },
      { timeoutMs: 15_000 },
    );
  });

  it("keeps a Prober object's schedule and gate, and reports the result it kept back", async () => {
    const stub = await restartedOn(() => proberStub(env, PLANE, "wnam"), proberV1);
    expect(await schemaVersion(stub)).toBe(PROBER_SCHEMA.length);
    await stub.tick(PLANE, "wnam"); // the cron's, each minute: arms the alarm
    await runDurableObjectAlarm(stub);
    // Nothing was due: the kept-back result went to the Plane object, and the alarm sleeps until the stored due time.
    expect(await runInDurableObject(stub, (_object, state) => state.storage.getAlarm())).toBe(T0 + 3_000_000);
    // Step 3: the stored due time is a cadence of that one time until the probe runs; nothing is kept back any more.
    expect(await rows(stub, "SELECT probe, anchor, period_ms FROM cadence")).toEqual([
      { probe: "async_predict", anchor: 1_800_003_000_000, period_ms: 0 },
    ]);
    expect(await rows(stub, "SELECT * FROM kept_back")).toEqual([]);
    expect(await rows(stub, "SELECT name FROM sqlite_master WHERE name = 'round'")).toEqual([]);
    expect(await rows(stub, "SELECT gate FROM startup_gate")).toEqual([{ gate: '{"open":true,"livenessFailures":{}}' }]);
    const { snapshot } = await planeStub(env, PLANE).detail(PLANE);
    expect(snapshot.results.find((r) => r.region === "wnam")).toMatchObject({ at: T0 - 10_000, latencyMs: 900 });
  });

  it("keeps a Summary shard's snapshots", async () => {
    const stub = await restartedOn(() => summaryStubFor(env, PLANE), summaryV1);
    expect(await schemaVersion(stub)).toBe(SUMMARY_SCHEMA.length);
    const [snapshot] = await stub.list();
    expect(snapshot).toMatchObject({ plane: PLANE, version: 11, status: "OK" });
    const [rendered] = await stub.exposition(Date.now());
    expect(rendered?.lines.join("\n")).toContain(
      'planewatch_probe_runs_total{plane="async-b",outcome="success",probe="async_predict",region="wnam"} 3',
    );
  });
});

describe("an upgrade from the release that had made `probes` before schema versions", () => {
  // That release's storage: the previous one's, with step 2's tables made by its own code and no version kept.
  const unversionedAtStepTwo = (fixture: string, steps: readonly (readonly string[])[]) => [fixture, ...steps[1]!].join(";\n");

  it("reads a Plane object's shape as step 2 and keeps its status and results", async () => {
    const stub = await restartedOn(() => planeStub(env, PLANE), unversionedAtStepTwo(planeV1, PLANE_SCHEMA));
    expect(await schemaVersion(stub)).toBe(PLANE_SCHEMA.length);
    const { snapshot, transitions } = await stub.detail(PLANE);
    expect(snapshot).toMatchObject({ plane: PLANE, status: "OK", since: T0 - 3_600_000 });
    expect(snapshot.results).toHaveLength(2);
    expect(transitions).toHaveLength(2);
  });

  it("reads a Prober object's shape as step 2 and keeps what its round kept back", async () => {
    const stub = await restartedOn(() => proberStub(env, PLANE, "wnam"), unversionedAtStepTwo(proberV1, PROBER_SCHEMA));
    expect(await schemaVersion(stub)).toBe(PROBER_SCHEMA.length);
    const [kept] = await rows<{ unreported: string; unsent: string }>(stub, "SELECT unreported, unsent FROM kept_back");
    expect(kept!.unsent).toBe("[]");
    expect((JSON.parse(kept!.unreported) as Array<{ at: number }>).map((r) => r.at)).toEqual([T0 - 10_000]);
  });
});
