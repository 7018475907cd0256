/**
 * Sentry from inside workerd: the real @sentry/cloudflare client of each entry point, sending
 * through its transport to the Sentry stand-in (test/support/sentry-sink.ts) that the global setup
 * started; and the Plane object's alert queue against its real SQLite storage.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env.ts";
import worker from "../../src/index.ts";
import { queueAlerts, sendAlerts, type AlertPolicy, type QueuedAlert } from "../../src/objects/plane/alerts.ts";
import { planeStub, proberStub } from "../../src/objects/stubs.ts";
import { sentryOptions } from "../../src/sentry/client.ts";
import { MAINTENANCE_CRON } from "../../src/scheduler/cron.ts";
import { CRON_MONITOR_SLUG, MAINTENANCE_MONITOR_SLUG } from "../../src/sentry/cron-monitor.ts";
import { captureProbeErrors } from "../../src/sentry/instrument.ts";
import type { Transition } from "../../src/status/model.ts";
import { checkInsIn, eventsIn, type ReceivedEnvelope } from "../support/envelope.ts";
import { until as eventually } from "../support/until.ts";

const SINK = new URL(env.SENTRY_DSN!).origin;

async function received(): Promise<ReceivedEnvelope[]> {
  return (await (await fetch(`${SINK}/sink/envelopes`)).json()) as ReceivedEnvelope[];
}

/** Sending is fire-and-forget: poll the stand-in until what is expected has come. */
function until<T>(what: string, find: (envelopes: ReceivedEnvelope[]) => T | undefined): Promise<T> {
  return eventually(`the Sentry stand-in to receive ${what}`, async () => find(await received()), { timeoutMs: 15_000 });
}

describe("errors of every entry point reach Sentry, and the entry point fails as before", () => {
  it("fetch: answers the 500 problem, and reports the error with the route's tags and no credential", async () => {
    const key = env.TARGET_API_KEY;
    // Not D1: a history read D1 cannot answer is an outage (503), not a defect for Sentry.
    const failingObjects = {
      idFromName() {
        throw new Error(`Durable Objects unreachable at https://do.internal/query?token=abc123&user=probe (key ${key})`);
      },
    } as unknown as Env["PLANE"];
    const broken = { ...env, PLANE: failingObjects, SENTRY_RELEASE: "workerd-fetch" };
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`http://mesh/api/v1/planes/good?limit=5&token=${key}`, {
        headers: { authorization: `Bearer ${key}`, cookie: `session=${key}`, "user-agent": "test-agent" },
      }),
      broken,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");

    const envelope = await until("the fetch error", (all) => all.find((e) => eventsIn([e]).some((ev) => ev.release === "workerd-fetch")));
    const [event] = eventsIn([envelope]);
    expect(event).toMatchObject({
      tags: { entry_point: "fetch", route: "/api/v1/planes/:id", plane: "good" },
      environment: "workerd-test",
      exception: { values: [{ type: "Error", value: expect.stringContaining("[Filtered]") }] },
      request: { url: "http://mesh/api/v1/planes/good", headers: { "user-agent": "test-agent" } },
    });
    expect(event!.request!.headers).not.toHaveProperty("authorization");
    expect(event!.request!.cookies).toBeUndefined();
    expect(event!.request!.query_string).toBe("limit=5");
    expect(envelope.raw).not.toContain(key);
    expect(envelope.raw).not.toContain("abc123");
  });

  it("fetch: a webhook delivery that fails is reported without the token in its URL", async () => {
    const token = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    const unreachable = {
      idFromName() {
        throw new Error("Durable Objects unavailable");
      },
    } as unknown as Env["PLANE"];
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`http://mesh/webhooks/async/good/${token}`, {
        method: "POST",
        headers: { "x-baseten-signature": "v1=0123456789abcdef", "content-type": "application/json" },
        body: "{}",
      }),
      { ...env, PLANE: unreachable, SENTRY_RELEASE: "workerd-webhook" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const envelope = await until("the webhook error", (all) =>
      all.find((e) => eventsIn([e]).some((ev) => ev.release === "workerd-webhook")),
    );
    expect(eventsIn([envelope])[0]).toMatchObject({
      tags: { entry_point: "fetch", route: "/webhooks/async/:plane/:token", plane: "good" },
      request: { url: "http://mesh/webhooks/async/good/[Filtered]" },
    });
    expect(envelope.raw).not.toContain(token);
    expect(envelope.raw).not.toContain("0123456789abcdef");
  });

  it("scheduled: a run that throws checks in as an error, reports the exception, and still rejects", async () => {
    const invalid = { ...env, PLANES_CONFIG: JSON.stringify({ planes: [] }), SENTRY_RELEASE: "workerd-cron-error" };
    const ctx = createExecutionContext();
    await expect(worker.scheduled(createScheduledController({ cron: "* * * * *" }), invalid, ctx)).rejects.toThrow(/invalid/);
    await waitOnExecutionContext(ctx);

    const mine = (all: ReceivedEnvelope[]) => all.filter((e) => JSON.stringify(e.items).includes("workerd-cron-error"));
    const checkIns = await until("both check-ins", (all) => {
      const found = checkInsIn(mine(all));
      return found.length === 2 ? found : undefined;
    });
    const config = { schedule: { type: "crontab", value: "* * * * *" }, checkin_margin: 2, max_runtime: 5, timezone: "Etc/UTC" };
    // The opening check-in creates or updates the monitor; the closing one says how it ended.
    expect(checkIns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ monitor_slug: CRON_MONITOR_SLUG, status: "in_progress", monitor_config: config }),
        expect.objectContaining({ monitor_slug: CRON_MONITOR_SLUG, status: "error", duration: expect.any(Number) }),
      ]),
    );
    expect(new Set(checkIns.map((c) => c.check_in_id)).size).toBe(1);
    const event = await until("the cron's exception", (all) => eventsIn(mine(all))[0]);
    expect(event).toMatchObject({
      tags: { entry_point: "scheduled", cron: "* * * * *" },
      exception: { values: [{ value: expect.stringMatching(/config from PLANES_CONFIG is invalid/) }] },
    });
  });

  it("scheduled: a run that succeeds checks in in_progress, then ok", async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), { ...env, SENTRY_RELEASE: "workerd-cron-ok" }, ctx);
    await waitOnExecutionContext(ctx);
    const statuses = await until("both check-ins", (all) => {
      const found = checkInsIn(all).filter((c) => c.release === "workerd-cron-ok");
      return found.length === 2 ? found.map((c) => c.status).sort() : undefined;
    });
    expect(statuses).toEqual(["in_progress", "ok"]);
  });

  it("scheduled: the hourly maintenance checks in to its own monitor, with its own schedule", async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: MAINTENANCE_CRON }), { ...env, SENTRY_RELEASE: "workerd-maintenance" }, ctx);
    await waitOnExecutionContext(ctx);
    const checkIns = await until("both check-ins", (all) => {
      const found = checkInsIn(all).filter((c) => c.release === "workerd-maintenance");
      return found.length === 2 ? found : undefined;
    });
    expect(checkIns.map((c) => [c.status, c.monitor_slug, c.monitor_config?.schedule.value])).toEqual(
      expect.arrayContaining([
        ["in_progress", MAINTENANCE_MONITOR_SLUG, MAINTENANCE_CRON],
        ["ok", MAINTENANCE_MONITOR_SLUG, undefined],
      ]),
    );
  });

  it("Durable Object RPC: the caller gets the error as before, and Sentry gets it tagged with the object", async () => {
    // Awaited directly: matchers probing an RPC promise's properties would make calls of their own.
    const error = await planeStub(env, "good")
      .report("good", null as never)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(TypeError);
    // The sink hears every test file of the run: this call's error is the Plane.report event of its TypeError.
    const event = await until("the RPC error", (all) =>
      eventsIn(all).find((e) => e.tags?.entry_point === "Plane.report" && e.exception?.values?.[0]?.type === "TypeError"),
    );
    expect(event).toMatchObject({ tags: { plane: "good" }, exception: { values: [{ type: "TypeError" }] } });
  });

  it("Prober objects in one isolate: each one's error reaches Sentry with its own tags", async () => {
    // A name no plane has, in two regions: each tick stores a null identity, which the schema refuses.
    const regions = ["weur", "wnam"];
    for (const region of regions) {
      const refused = await proberStub(env, "shared-client", region)
        .tick(null as never, null as never)
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(refused).toBeInstanceOf(Error);
    }
    const events = await until("both Prober errors", (all) => {
      const found = eventsIn(all).filter((e) => e.tags?.entry_point === "Prober.tick" && e.tags?.plane === "shared-client");
      return found.length === regions.length ? found : undefined;
    });
    expect(events.map((e) => e.tags?.region).sort()).toEqual(regions);
  });
});

describe("the Durable Objects, outside the SDK", () => {
  it("keep their own storage: no span wraps a statement, and an alarm stores no trace link (a billed row each)", async () => {
    const stub = planeStub(env, "good");
    const at = Date.now();
    await stub.report("good", [
      {
        plane: "good",
        region: "wnam",
        probe: "healthz",
        kind: "http",
        at,
        ok: true,
        reason: "ok",
        latencyMs: 3,
        httpStatus: 200,
        message: "ok",
      },
    ]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (instance, state) => {
      // The object holds the state the runtime made, not the SDK's copy, whose storage wraps each statement in a span.
      const { ctx } = instance as unknown as { ctx: DurableObjectState };
      expect(ctx).toBe(state);
      expect([...state.storage.kv.list()]).toEqual([]);
    });
  });
});

describe("a probe that throws", () => {
  it("is reported with its plane, region and probe: the runner made it a result, but it is a bug", async () => {
    const result = {
      plane: "good",
      region: "apac",
      probe: "thrower",
      kind: "http",
      at: Date.now(),
      ok: false,
      reason: "probe_error",
      latencyMs: 1,
      httpStatus: null,
      message: "Cannot read properties of undefined (reading 'x')",
    };
    // In a Prober object, outside any invocation of the SDK's, as its alarm runs.
    await runInDurableObject(proberStub(env, "good", "apac"), (_object, state) =>
      captureProbeErrors(state, env, [{ ...result, probe: "fine", reason: "timeout" }, result]),
    );
    const events = await until("the probe error", (all) => {
      const found = eventsIn(all).filter((e) => e.tags?.probe === "thrower" || e.tags?.probe === "fine");
      return found.length > 0 ? found : undefined;
    });
    expect(events).toEqual([
      expect.objectContaining({
        level: "error",
        message: "probe thrower (http) threw: Cannot read properties of undefined (reading 'x')",
        tags: expect.objectContaining({ entry_point: "Prober.alarm", plane: "good", region: "apac", probe: "thrower", kind: "http" }),
      }),
    ]);
  });
});

describe("Sentry off", () => {
  afterEach(() => vi.restoreAllMocks());

  it("without a DSN the SDK has none, and the log says so once", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const off = { ...env, SENTRY_DSN: undefined };
    expect(sentryOptions(off).dsn).toBeUndefined();
    expect(sentryOptions(off).dsn).toBeUndefined();
    expect(log.mock.calls.filter(([line]) => /Sentry is off/.test(String(line)))).toHaveLength(1);
  });
});

describe("the Plane object's alert queue", () => {
  const T0 = Date.parse("2026-11-20T10:00:00Z");
  const policy: AlertPolicy = { enabled: true, reminderMs: 30 * 60_000 };
  const failing = [{ region: "wnam", probe: "sync_predict", reason: "timeout" }];
  const transition = (from: Transition["from"], to: Transition["to"], at: number): Transition => ({
    plane: "queue-test",
    at,
    from,
    to,
    failing,
  });

  /** A fresh Plane object's storage (all its tables), and a delivery that records and answers as told. */
  async function inPlane(test: (sql: SqlStorage, deliveries: QueuedAlert[][], answer: { accept: boolean }) => Promise<void>) {
    vi.useFakeTimers({ now: T0, toFake: ["Date"] });
    try {
      await runInDurableObject(planeStub(env, `queue-test-${crypto.randomUUID()}`), async (_object, state) => {
        const deliveries: QueuedAlert[][] = [];
        const answer = { accept: true };
        await test(state.storage.sql, deliveries, answer);
      });
    } finally {
      vi.useRealTimers();
    }
  }

  /** An evaluation outside any maintenance window, of a plane that does not flap. */
  function queue(sql: SqlStorage, alerts: AlertPolicy, t: Transition | null, failingNow: Transition["failing"], now: number) {
    queueAlerts(
      sql,
      alerts,
      { flappingAlerted: false, held: null },
      {
        plane: "queue-test",
        now,
        status: t?.to ?? "FAILED",
        since: t?.at ?? T0,
        transition: t,
        failing: failingNow,
        maintenance: false,
        flapping: false,
        flappingSince: now,
      },
    );
  }

  function deliverer(deliveries: QueuedAlert[][], answer: { accept: boolean }) {
    return async (alerts: QueuedAlert[]) => {
      deliveries.push(alerts);
      return new Set(answer.accept ? alerts.map((a) => a.id) : []);
    };
  }

  it("sends a transition's alert once, and nothing more while the status holds", () =>
    inPlane(async (sql, deliveries, answer) => {
      queue(sql, policy, transition("OK", "FAILED", T0), failing, T0);
      expect(await sendAlerts(sql, policy, deliverer(deliveries, answer), T0)).toBe(T0 + 30 * 60_000);
      queue(sql, policy, null, failing, T0 + 60_000);
      await sendAlerts(sql, policy, deliverer(deliveries, answer), T0 + 60_000);
      expect(deliveries.map((d) => d.map((a) => [a.alert.kind, a.alert.status]))).toEqual([[["transition", "FAILED"]]]);
    }));

  it("retries what Sentry did not take, later and under the same event id", () =>
    inPlane(async (sql, deliveries, answer) => {
      const deliver = deliverer(deliveries, answer);
      queue(sql, policy, transition("OK", "NO_USER", T0), failing, T0);
      answer.accept = false;
      expect(await sendAlerts(sql, policy, deliver, T0)).toBe(T0 + 5_000);
      expect(await sendAlerts(sql, policy, deliver, T0 + 1_000)).toBe(T0 + 5_000); // not due: nothing sent
      vi.setSystemTime(T0 + 5_000);
      expect(await sendAlerts(sql, policy, deliver, T0 + 5_000)).toBe(T0 + 15_000); // backing off
      answer.accept = true;
      vi.setSystemTime(T0 + 15_000);
      expect(await sendAlerts(sql, policy, deliver, T0 + 15_000)).toBe(T0 + 30 * 60_000); // the reminder is next
      expect(deliveries).toHaveLength(3);
      expect(new Set(deliveries.flat().map((a) => a.id)).size).toBe(1);
    }));

  it("reminds every interval while the status persists, then resolves on OK", () =>
    inPlane(async (sql, deliveries, answer) => {
      const deliver = deliverer(deliveries, answer);
      queue(sql, policy, transition("OK", "NO_VALUE", T0), [], T0);
      await sendAlerts(sql, policy, deliver, T0);
      queue(sql, policy, null, [], T0 + 29 * 60_000);
      queue(sql, policy, null, [], T0 + 30 * 60_000);
      expect(await sendAlerts(sql, policy, deliver, T0 + 30 * 60_000)).toBe(T0 + 60 * 60_000);
      queue(sql, policy, transition("NO_VALUE", "OK", T0 + 40 * 60_000), [], T0 + 40 * 60_000);
      expect(await sendAlerts(sql, policy, deliver, T0 + 40 * 60_000)).toBe(Infinity);
      expect(deliveries.flat().map((a) => [a.alert.kind, a.alert.status])).toEqual([
        ["transition", "NO_VALUE"],
        ["reminder", "NO_VALUE"],
        ["resolution", "OK"],
      ]);
    }));

  it("takes an alert off the queue once Sentry took it", async () => {
    const stub = planeStub(env, "good");
    const now = Date.now();
    await stub.report("good", [], []); // the plane's first word: its object now knows it
    const eventId = await runInDurableObject(stub, async (_object, state) => {
      queue(state.storage.sql, policy, transition("OK", "FAILED", now), failing, now);
      await state.storage.setAlarm(now + 60_000); // run below, not by the runtime
      return state.storage.sql.exec<{ event_id: string }>("SELECT event_id FROM alert_queue").one().event_id;
    });
    // The alarm's delivery learns Sentry's answer from its own client's flush, at once.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_object, state) => state.storage.sql.exec("SELECT id FROM alert_queue").toArray())).toEqual([]);
    await until("the alert", (all) => eventsIn(all).find((e) => e.event_id === eventId));
  });

  it("sends nothing for a new plane's first OK, nor anything at all with Sentry off", () =>
    inPlane(async (sql, deliveries, answer) => {
      const deliver = deliverer(deliveries, answer);
      queue(sql, policy, transition("NO_VALUE", "OK", T0), [], T0);
      expect(await sendAlerts(sql, policy, deliver, T0)).toBe(Infinity);
      const off: AlertPolicy = { ...policy, enabled: false };
      queue(sql, off, transition("OK", "FAILED", T0 + 1_000), failing, T0 + 1_000);
      expect(await sendAlerts(sql, off, deliver, T0 + 1_000)).toBe(Infinity);
      expect(deliveries).toEqual([]);
    }));
});
