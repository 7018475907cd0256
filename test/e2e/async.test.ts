/**
 * The async inference probe end to end: a real `wrangler dev` mesh against the plane
 * simulator, one simulated plane per fault, each read back as the status and reason it must give.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { ASYNC_ERROR_CODES } from "../../simulator/faults.ts";
import { eventually, planeStatuses } from "../support/mesh-client.ts";

const DEADLINE_S = 4;
const LATE_MS = 6_000;

/** Simulated plane → its faults, and the status and reason the mesh must read. */
const CASES: Record<string, { faults: Record<string, unknown>; status: string; reason: string }> = {
  healthy: { faults: {}, status: "OK", reason: "ok" },
  drop: { faults: { webhook: "drop" }, status: "FAILED", reason: "webhook_timeout" },
  twice: { faults: { webhook: "twice" }, status: "OK", reason: "ok" },
  late: { faults: { webhook: "late", lateMs: LATE_MS }, status: "FAILED", reason: "webhook_timeout" },
  wrong: { faults: { wrongBody: true }, status: "FAILED", reason: "webhook_payload_mismatch" },
  badsig: { faults: { webhook: "bad_signature" }, status: "FAILED", reason: "webhook_delivery_failed" },
  stuck: { faults: { stuckQueued: true }, status: "FAILED", reason: "status_stuck" },
  refused: { faults: { unauthorized: true }, status: "NO_USER", reason: "unauthorized" },
  nomodel: { faults: { modelMissing: true }, status: "NO_ORACLE", reason: "model_not_found" },
  ...Object.fromEntries(
    ASYNC_ERROR_CODES.map((code) => [
      `err-${code.toLowerCase().replace(/_/g, "-")}`,
      {
        faults: { asyncError: code },
        status: code === "MODEL_DOES_NOT_EXIST" ? "NO_ORACLE" : "FAILED",
        reason: code === "MODEL_DOES_NOT_EXIST" ? "model_not_found" : code.toLowerCase(),
      },
    ]),
  ),
};

let mesh: RunningMesh;

const statuses = () => planeStatuses(mesh);

async function deliveries(): Promise<Record<string, number>> {
  const text = await (await fetch(`${mesh.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^planewatch_webhook_deliveries_total\{plane="([^"]+)",outcome="([^"]+)"\} (\d+)$/gm)) {
    counts[`${m[1]}/${m[2]}`] = Number(m[3]);
  }
  return counts;
}

const until = <T>(what: string, check: () => Promise<T | undefined>) => eventually(mesh, what, check);

beforeAll(async () => {
  const simulatorPort = await freePort();
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  const planes = Object.keys(CASES).map((id) => ({
    id,
    baseUrl: `${simulator}/planes/${id}`,
    apiKeySecret: "API_KEY",
    webhookSecret: "WEBHOOK_SECRET",
    regions: ["weur"],
    probes: [
      {
        kind: "async_predict",
        input: { text: "ping" },
        expect: { output: { status: "ok", echo: { text: "ping" } } },
        deadlineSeconds: DEADLINE_S,
        pollIntervalSeconds: 0.3,
      },
    ],
  }));
  mesh = await startMesh({
    simulatorPort,
    vars: { PLANES_CONFIG: JSON.stringify({ planes }), API_KEY: "e2e-key", WEBHOOK_SECRET: "e2e-webhook-secret" },
    simulatorVars: {
      SIM_API_KEY: "e2e-key",
      SIM_WEBHOOK_SECRET: "e2e-webhook-secret",
      SIM_FAULTS: JSON.stringify(Object.fromEntries(Object.entries(CASES).map(([id, c]) => [id, c.faults]))),
    },
  });
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
});

describe("async inference against the simulator", () => {
  it("gives every simulator fault its status and reason", async () => {
    const seen = await until("every plane judged", async () => {
      const s = await statuses();
      return Object.values(s).every((p) => p.status !== "NO_VALUE") ? s : undefined;
    });
    const got = Object.fromEntries(
      Object.entries(seen).map(([id, p]) => [id, `${p.status}/${p.regions.weur!.probes.async_predict!.reason}`]),
    );
    const want = Object.fromEntries(Object.entries(CASES).map(([id, c]) => [id, `${c.status}/${c.reason}`]));
    expect(got).toEqual(want);
    expect(seen.stuck!.regions.weur!.probes.async_predict!.message).toContain("still QUEUED");
  });

  it("counts what the platform delivered: duplicates, refused signatures and late webhooks", async () => {
    const counts = await until("the late webhook", async () => {
      const c = await deliveries();
      return c["late/late"] === 1 ? c : undefined;
    });
    expect(counts).toMatchObject({
      "healthy/matched": 1,
      "twice/matched": 1,
      "twice/duplicate": 1,
      "wrong/matched": 1,
      "badsig/bad_signature": 2, // the platform's two attempts
    });
    expect(counts["drop/matched"]).toBeUndefined();
  });

  it("exports the async latency, the deliveries and the pending count", async () => {
    const text = await (await fetch(`${mesh.url}/metrics`)).text();
    expect(text).toMatch(/^probe_duration_seconds\{plane="healthy",region="weur",probe="async_predict"\} [\d.]+$/m);
    expect(text).toContain('planewatch_async_pending{plane="healthy"} 0');
  });
});
