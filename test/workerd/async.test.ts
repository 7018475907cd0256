import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Submission } from "../../src/async/pending.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { flushHistory } from "../support/history.ts";
import { rowsWrittenBy } from "../support/rows.ts";
import { until } from "../support/until.ts";
import type { Plane } from "../../src/objects/plane.ts";
import type { Ticket } from "../../src/async/token.ts";

const PROBE = "async_predict";

/** The platform's signature, computed here independently of the mesh's verifier. */
async function sign(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

interface Opened {
  ticket: Ticket;
  requestId: string;
}

/** Opens `n` async requests as a Prober would and reports them submitted. */
async function open(plane: string, n: number, deadlineMs = 60_000): Promise<Opened[]> {
  const stub = planeStub(env, plane);
  const now = Date.now();
  const opened: Opened[] = [];
  for (let i = 0; i < n; i++) {
    // Distinct submit times: two runs of one probe in one region never start in the same millisecond.
    const ticket = await stub.openAsync(plane, i % 2 === 0 ? "wnam" : "weur", PROBE, now - n + i, now + deadlineMs);
    opened.push({ ticket, requestId: `req-${plane}-${now}-${i}` });
  }
  const submissions: Submission[] = opened.map((o) => ({ nonce: o.ticket.nonce, requestId: o.requestId, httpStatus: 201 }));
  await stub.report(plane, [], submissions);
  return opened;
}

function webhookBody(requestId: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    request_id: requestId,
    model_id: "m",
    deployment_id: "d",
    type: "async_request_completed",
    time: new Date().toISOString(),
    data: { status: "ok" },
    errors: [],
    ...overrides,
  });
}

async function deliver(plane: string, token: string, body: string, signature?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  headers["x-baseten-signature"] = signature ?? (await sign(body, env.TEST_WEBHOOK_SECRET));
  return exports.default.fetch(`http://mesh/webhooks/async/${plane}/${token}`, { method: "POST", headers, body });
}

async function counters(plane: string): Promise<Record<string, number>> {
  const { snapshot } = await planeStub(env, plane).detail(plane);
  return Object.fromEntries(
    snapshot.counters.filter((c) => c.name === "planewatch_webhook_deliveries_total").map((c) => [c.labels.outcome!, c.value]),
  );
}

/** The plane's runs in D1's history, once the Plane object sent all it holds. */
const historyCount = (plane: string) => flushHistory(env.DB, planeStub(env, plane), plane);

const storageSize = (plane: string) => runInDurableObject(planeStub(env, plane), (_o, state) => state.storage.sql.databaseSize);
const pending = (plane: string) =>
  runInDurableObject(
    planeStub(env, plane),
    (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM async_pending").one().n,
  );

describe("async webhooks in the Plane object", () => {
  it("matches 500 webhooks for 500 pending requests delivered at once, losing none", async () => {
    const opened = await open("async-a", 500);
    const answers = await Promise.all(opened.map((o) => deliver("async-a", o.ticket.token, webhookBody(o.requestId))));
    const outcomes = await Promise.all(answers.map(async (r) => (await r.json()) as { outcome: string }));
    expect(outcomes.filter((o) => o.outcome === "matched")).toHaveLength(500);
    // Each settles once its polled status reads SUCCEEDED too.
    while ((await pending("async-a")) > 0) await runDurableObjectAlarm(planeStub(env, "async-a"));
    expect(await counters("async-a")).toMatchObject({ matched: 500 });
    expect(await historyCount("async-a")).toBe(500);
  });

  it("matches webhooks that arrive together as one batch: each region's row and the counter written once", async () => {
    const plane = "async-a";
    const stub = planeStub(env, plane);
    const waiting = await pending(plane);
    /** Rows written by `n` webhooks that arrive together, each settling its request. */
    const flood = async (n: number) => {
      const opened = await open(plane, n);
      const requests = JSON.stringify(opened.map((o) => o.requestId));
      // Once their statuses read SUCCEEDED, each webhook settles its request.
      const polled = () =>
        runInDurableObject(stub, (_o, state) =>
          state.storage.sql
            .exec(
              "SELECT 1 FROM async_pending WHERE request_id IN (SELECT value FROM json_each(?)) AND statuses != '[\"SUCCEEDED\"]'",
              requests,
            )
            .toArray().length === 0
            ? true
            : undefined,
        );
      await until("the requests' statuses polled", polled);
      const webhooks = await Promise.all(
        opened.map(async (o) => {
          const body = webhookBody(o.requestId);
          return { token: o.ticket.token, delivery: { body, signature: await sign(body, env.TEST_WEBHOOK_SECRET), requestIdHeader: null } };
        }),
      );
      return rowsWrittenBy(
        stub,
        () =>
          // Called in one turn inside the object, as the runtime hands it a flood queued at its input gate.
          runInDurableObject(stub, async (instance: Plane) => {
            const answers = await Promise.all(webhooks.map((w) => instance.webhook(plane, w.token, w.delivery)));
            expect(answers.map((a) => a.outcome)).toEqual(webhooks.map(() => "matched"));
          }),
        "this object",
      );
    };
    // The first may change the plane's status, and write the transition and the first passes' raw history.
    await flood(16);
    // Each request gives way to its tombstone (1 + 3 rows, its indexes' among them); the batch writes the two regions'
    // rows and the counter once. Passes sampled out of the raw history leave the outbox alone.
    expect(await flood(16)).toBe(16 * 4 + 2 + 1);
    expect(await pending(plane)).toBe(waiting);
  });

  it("treats a repeated delivery as a duplicate that changes nothing", async () => {
    const [o] = await open("async-a", 1);
    await runDurableObjectAlarm(planeStub(env, "async-a"));
    const body = webhookBody(o!.requestId);
    expect(await (await deliver("async-a", o!.ticket.token, body)).json()).toMatchObject({ outcome: "matched" });
    // Settled once its polled status reads SUCCEEDED too.
    while ((await pending("async-a")) > 0) await runDurableObjectAlarm(planeStub(env, "async-a"));
    const before = { history: await historyCount("async-a"), size: await storageSize("async-a") };
    for (let i = 0; i < 3; i++)
      expect(await (await deliver("async-a", o!.ticket.token, body)).json()).toMatchObject({ outcome: "duplicate" });
    expect(await historyCount("async-a")).toBe(before.history);
    expect(await storageSize("async-a")).toBe(before.size);
  });

  it("leaves storage unchanged after 10,000 junk webhooks", async () => {
    // Its deadline is past the case's own timeout: on a busy machine the flood takes minutes, and the request must still wait at the end.
    const [known] = await open("async-b", 1, 600_000);
    // A request whose submit failed: its token is genuine, but nothing waits on it any more.
    const [dropped] = await open("async-b", 1);
    await planeStub(env, "async-b").report("async-b", [], [{ nonce: dropped!.ticket.nonce, requestId: null, httpStatus: 500 }]);
    const oversized = webhookBody(known!.requestId, { data: "x".repeat(300 * 1024) });
    const kinds = [
      { n: 3_000, outcome: "unknown", send: (i: number) => deliver("async-b", dropped!.ticket.token, webhookBody(`junk-${i}`)) },
      {
        n: 3_000,
        outcome: "bad_signature",
        send: (i: number) => deliver("async-b", known!.ticket.token, webhookBody(`junk-${i}`), `v1=${"0".repeat(64)}`),
      },
      { n: 3_000, outcome: "invalid", send: (i: number) => deliver("async-b", known!.ticket.token, `{"request_id": ${i}`) },
      {
        n: 500,
        outcome: "bad_token",
        send: (i: number) => deliver("async-b", `${known!.ticket.nonce}.forged${i}`, webhookBody(`junk-${i}`)),
      },
      { n: 500, outcome: "too_large", send: () => deliver("async-b", known!.ticket.token, oversized, "v1=00") },
    ];
    // One of each first, so the counter rows exist; then the size must not move.
    for (const kind of kinds) await kind.send(0);
    const size = await storageSize("async-b");
    for (const kind of kinds) {
      for (let start = 1; start < kind.n; start += 100) {
        const batch = Array.from({ length: Math.min(100, kind.n - start) }, (_, j) => kind.send(start + j));
        const statuses = await Promise.all(batch.map(async (r) => (await r).status));
        expect(new Set(statuses).size).toBe(1);
      }
    }
    expect(await storageSize("async-b")).toBe(size);
    expect(await counters("async-b")).toMatchObject({
      unknown: 3_000,
      bad_signature: 3_000,
      invalid: 3_000,
      bad_token: 500,
      too_large: 500,
    });
    expect(await pending("async-b")).toBe(1); // the known request still waits for its real webhook
  }, 180_000);

  it("accepts a webhook signed with the previous secret during a rotation, and refuses one with no valid value", async () => {
    const [o] = await open("async-b", 1);
    const body = webhookBody(o!.requestId);
    const refused = await deliver("async-b", o!.ticket.token, body, `${await sign(body, "new-secret")},v1=zz`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({
      outcome: "bad_signature",
      detail: "X-BASETEN-SIGNATURE has no v1= value that matches the body under the plane's webhook secret",
    });
    const row = await runInDurableObject(planeStub(env, "async-b"), (_o, state) =>
      state.storage.sql.exec<{ webhook: string | null }>("SELECT webhook FROM async_pending WHERE nonce = ?", o!.ticket.nonce).one(),
    );
    expect(row.webhook).toBeNull();
    const rotated = `${await sign(body, "new-secret")},${await sign(body, env.TEST_WEBHOOK_SECRET)}`;
    expect(await (await deliver("async-b", o!.ticket.token, body, rotated)).json()).toMatchObject({ outcome: "matched" });
  });

  it("refuses a token of another plane, a stale time and a request id that disagrees with its header", async () => {
    const [o] = await open("async-a", 1);
    const body = webhookBody(o!.requestId);
    expect((await deliver("async-b", o!.ticket.token, body)).status).toBe(401);
    const stale = webhookBody(o!.requestId, { time: new Date(Date.now() - 301_000).toISOString() });
    expect(await (await deliver("async-a", o!.ticket.token, stale)).json()).toMatchObject({ status: 400, outcome: "stale" });
    const res = await exports.default.fetch(`http://mesh/webhooks/async/async-a/${o!.ticket.token}`, {
      method: "POST",
      headers: { "x-baseten-signature": await sign(body, env.TEST_WEBHOOK_SECRET), "x-baseten-request-id": "other" },
      body,
    });
    expect(await res.json()).toMatchObject({ status: 400, outcome: "invalid" });
    expect((await deliver("nope", o!.ticket.token, body)).status).toBe(404);
  });

  it("records a webhook after the deadline as late, and never turns the failure into a pass", async () => {
    const [o] = await open("async-b", 1, 50);
    await new Promise((r) => setTimeout(r, 60));
    await runDurableObjectAlarm(planeStub(env, "async-b"));
    const before = await counters("async-b");
    const answer = await deliver("async-b", o!.ticket.token, webhookBody(o!.requestId));
    expect(await answer.json()).toMatchObject({ outcome: "late" });
    expect((await counters("async-b")).late).toBe((before.late ?? 0) + 1);
    const { results } = await env.DB.prepare("SELECT ok, reason FROM results WHERE plane = 'async-b' ORDER BY at DESC LIMIT 1").all();
    await historyCount("async-b");
    const settled = await env.DB.prepare("SELECT ok, reason FROM results WHERE plane = 'async-b' ORDER BY at DESC LIMIT 1").first();
    expect(settled ?? results[0]).toEqual({ ok: 0, reason: "webhook_timeout" });
  });

  it("counts a request once when the alarm that settles it throws and is retried by the runtime", async () => {
    const plane = "async-a";
    const stub = planeStub(env, plane);
    const before = await historyCount(plane);
    const waiting = await pending(plane);
    await open(plane, 3, 1_000);
    // At the deadline the alarm settles the three, then fails before it is done.
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { publish: () => Promise<number> }).publish = () =>
        Promise.reject(new Error("simulated crash after settling"));
    });
    // The runtime runs the alarm at the deadline and retries it (after 2 s, 4 s, …) while it throws.
    while ((await pending(plane)) > waiting) await new Promise((r) => setTimeout(r, 200));
    await runInDurableObject(stub, (instance) => {
      delete (instance as unknown as { publish?: unknown }).publish; // back to the class's method
    });
    await runDurableObjectAlarm(stub); // the retry
    expect(await historyCount(plane)).toBe(before + 3);
    const { snapshot } = await stub.detail(plane);
    const runs = snapshot.counters.filter((c) => c.name === "planewatch_probe_runs_total").reduce((n, c) => n + c.value, 0);
    expect(runs).toBe(before + 3);
  }, 30_000);
});
