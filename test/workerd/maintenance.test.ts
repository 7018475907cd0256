/**
 * Maintenance windows through the API, against the real Worker, Plane object, Summary shards
 * and D1: the admin token guards them, a window holds alerts and the one still due at its end
 * is queued then, /metrics says 1 then 0, and the history records who set it.
 */
import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import type { PlaneAlert } from "../../src/status/alerting.ts";
import type { ProbeResult } from "../../src/status/model.ts";

const PLANE = "broken";
const ADMIN = { ...env, ADMIN_TOKEN: "admin-secret" };

function call(method: string, path: string, options: { env?: typeof env; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return worker.fetch(new Request(`http://mesh${path}`, { method, headers, body }), options.env ?? ADMIN, createExecutionContext());
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function failures(at: number): ProbeResult[] {
  return ["wnam", "weur"].map((region) => ({
    plane: PLANE,
    region,
    probe: "sync_predict",
    kind: "sync_predict",
    at,
    ok: false,
    reason: "unexpected_status",
    latencyMs: 12,
    httpStatus: 500,
    message: "status 500, expected 200",
  }));
}

/** The alerts waiting in the Plane object's queue. */
function queued(): Promise<PlaneAlert[]> {
  return runInDurableObject(planeStub(env, PLANE), (_object, state) =>
    state.storage.sql
      .exec<{ body: string }>("SELECT body FROM alert_queue ORDER BY id")
      .toArray()
      .map((r) => JSON.parse(r.body) as PlaneAlert),
  );
}

async function scrape(): Promise<string> {
  await runDurableObjectAlarm(planeStub(env, PLANE));
  const res = await worker.fetch(new Request("http://mesh/metrics"), env, createExecutionContext());
  return res.text();
}

describe("the maintenance API", () => {
  it("is closed (403) while ADMIN_TOKEN is unset, whatever the request carries", async () => {
    const closed = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, {
      env,
      token: "anything",
      body: { until: inAnHour(), reason: "x" },
    });
    expect(closed.status).toBe(403);
    expect(closed.headers.get("content-type")).toBe("application/problem+json");
    expect((await call("DELETE", `/api/v1/planes/${PLANE}/maintenance`, { env })).status).toBe(403);
  });

  it("wants the admin token: 401 without it or with a wrong one, even with the read token", async () => {
    const body = { until: inAnHour(), reason: "x" };
    const missing = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, { body });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect((await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, { token: "wrong", body })).status).toBe(401);
    const reader = { ...ADMIN, API_READ_TOKEN: "reader" };
    expect((await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, { env: reader, token: "reader", body })).status).toBe(401);
  });

  it("refuses bad bodies with problems, and large ones before reading them", async () => {
    const past = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, {
      token: "admin-secret",
      body: { until: "2020-01-01T00:00:00Z", reason: "x" },
    });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { problems: Array<{ parameter: string }> }).problems[0]?.parameter).toBe("until");
    const unknown = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, { token: "admin-secret", body: { until: inAnHour() } });
    expect(unknown.status).toBe(400);
    const large = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, {
      token: "admin-secret",
      body: { until: inAnHour(), reason: "x".repeat(5_000) },
    });
    expect(large.status).toBe(413);
    expect(
      (await call("PUT", "/api/v1/planes/nowhere/maintenance", { token: "admin-secret", body: { until: inAnHour(), reason: "x" } })).status,
    ).toBe(404);
  });

  it("holds alerts in the window, queues the one still due when it ends, and shows the window in the API, the metrics and the history", async () => {
    const put = await call("PUT", `/api/v1/planes/${PLANE}/maintenance`, {
      token: "admin-secret",
      body: { until: inAnHour(), reason: "database upgrade" },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      plane: PLANE,
      maintenance: { reason: "database upgrade", source: "api", setBy: "admin token" },
    });

    // The plane fails during the window: the status is computed, nothing is queued for Sentry.
    const stub = planeStub(env, PLANE);
    const now = Date.now();
    for (let i = 0; i < 3; i++) await stub.report(PLANE, failures(now - (3 - i) * 1_000));
    const { snapshot, transitions } = await stub.detail(PLANE);
    expect(snapshot.status).toBe("FAILED");
    expect(snapshot.maintenance).toMatchObject({ reason: "database upgrade" });
    expect(await queued()).toEqual([]);
    expect(await scrape()).toContain(`workload_plane_maintenance{plane="${PLANE}"} 1`);
    // The history: who set the window, and the transition that happened in it.
    expect(transitions.find((t) => t.maintenance?.change === "set")).toMatchObject({ maintenance: { setBy: "admin token" } });
    expect(transitions.find((t) => t.to === "FAILED" && t.from !== "FAILED")?.maintenance).toMatchObject({ reason: "database upgrade" });

    const api = (await (await call("GET", `/api/v1/planes/${PLANE}`)).json()) as {
      maintenance: { reason: string } | null;
      flapping: boolean;
    };
    expect(api).toMatchObject({ maintenance: { reason: "database upgrade" }, flapping: false });

    // Ended early: the bad status still standing alerts now.
    const ended = await call("DELETE", `/api/v1/planes/${PLANE}/maintenance`, { token: "admin-secret" });
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ plane: PLANE, maintenance: null });
    expect((await queued()).map((a) => [a.kind, a.status, a.heldBy])).toEqual([["transition", "FAILED", "maintenance"]]);
    expect(await scrape()).toContain(`workload_plane_maintenance{plane="${PLANE}"} 0`);
    expect((await stub.detail(PLANE)).transitions[0]?.maintenance).toMatchObject({ change: "ended", setBy: "admin token" });
  });

  it("flags a flapping plane, queues one flapping alert instead of one per change, and exports it", async () => {
    const stub = planeStub(env, PLANE);
    await runInDurableObject(stub, (_object, state) => void state.storage.sql.exec("DELETE FROM alert_queue"));
    const base = Date.now();
    // Seven rounds, passing and failing by turns: a status change each (sync_predict counts from the first failure).
    for (let i = 1; i <= 7; i++) {
      const round = failures(base + i * 1_000).map((r) =>
        i % 2 === 1 ? { ...r, ok: true, reason: "ok", httpStatus: 200, message: "" } : r,
      );
      await stub.report(PLANE, round);
    }
    const { snapshot } = await stub.detail(PLANE);
    expect(snapshot.flapping).toBe(true);
    const kinds = (await queued()).map((a) => a.kind);
    expect(kinds.filter((k) => k === "flapping")).toHaveLength(1);
    // Before the flag went up, the changes alerted as usual; after it, none did.
    expect(kinds.at(-1)).toBe("flapping");
    expect(await scrape()).toContain(`workload_plane_flapping{plane="${PLANE}"} 1`);
  });
});
