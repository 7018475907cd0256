/**
 * Misbehaving targets end to end: a real `wrangler dev` mesh probes a raw-TCP target that
 * floods, stalls, cuts and lies (test/support/hostile-target.ts), one plane per misbehaviour,
 * beside a calm plane. Each hostile probe fails with its own reason within its timeout, and the
 * calm plane's rounds go on as if nothing happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { startHostileTarget, type HostileTarget } from "../support/hostile-target.ts";
import { eventually, planeStatuses, type ProbeJson } from "../support/mesh-client.ts";
import { d1Query } from "../support/persisted.ts";

const HOSTILE_TIMEOUT_S = 5;
const CALM_PERIOD_S = 2;
const JSON_EXPECT = { jsonPaths: [{ path: "$.ready", exists: true }] };

/** Plane → its target path, what the probe expects of it, and the reason it must fail with. */
const CASES: Record<string, { path: string; expect?: object; maxBodyBytes?: number; reason: string }> = {
  gigabyte: { path: "/gigabyte", expect: { bodyContains: "never there" }, maxBodyBytes: 64 * 1024, reason: "body_too_large" },
  "endless-headers": { path: "/endless-headers", reason: "connection_failed" },
  "cut-body": { path: "/cut-body", expect: { bodyContains: "never there" }, maxBodyBytes: 2 * 1024 * 1024, reason: "connection_closed" },
  "not-utf8": { path: "/not-utf8", expect: JSON_EXPECT, reason: "invalid_json" },
  "not-json": { path: "/not-json", expect: JSON_EXPECT, reason: "invalid_json" },
  "redirect-loop": { path: "/redirect-loop", reason: "too_many_redirects" },
};

let mesh: RunningMesh;
let target: HostileTarget;

const until = <T>(what: string, check: () => Promise<T | undefined>) => eventually(mesh, what, check);

beforeAll(async () => {
  target = await startHostileTarget();
  const hostile = Object.entries(CASES).map(([id, c]) => ({
    id,
    regions: ["weur"],
    probes: [
      {
        kind: "http",
        name: "probe",
        url: `${target.url}${c.path}`,
        periodSeconds: 10,
        timeoutSeconds: HOSTILE_TIMEOUT_S,
        failureThreshold: 1,
        ...(c.expect ? { expect: c.expect } : {}),
        ...(c.maxBodyBytes ? { maxBodyBytes: c.maxBodyBytes } : {}),
      },
    ],
  }));
  const calm = {
    id: "calm",
    regions: ["weur", "apac"],
    // Every run goes to D1 raw: the test reads the plane's cadence from them.
    rawPassSeconds: 0,
    probes: [{ kind: "http", name: "probe", url: `${target.url}/calm`, periodSeconds: CALM_PERIOD_S, timeoutSeconds: 1 }],
  };
  mesh = await startMesh({ vars: { PLANES_CONFIG: JSON.stringify({ planes: [calm, ...hostile] }) } });
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
  await target?.close();
});

describe("misbehaving targets", () => {
  it("fail each probe with its own reason within its timeout", async () => {
    const seen = await until("every hostile plane judged", async () => {
      const s = await planeStatuses(mesh);
      const probes = Object.fromEntries(Object.keys(CASES).map((id) => [id, s[id]?.regions.weur?.probes.probe]));
      return Object.values(probes).every((p) => p !== undefined)
        ? (probes as Record<string, ProbeJson & { latencyMs: number }>)
        : undefined;
    });
    const reasons = Object.fromEntries(Object.entries(seen).map(([id, p]) => [id, p.reason]));
    expect(reasons).toEqual(Object.fromEntries(Object.entries(CASES).map(([id, c]) => [id, c.reason])));
    for (const [id, p] of Object.entries(seen)) {
      expect(p.ok, id).toBe(false);
      // The deadline covers the whole exchange, body included; a little more for the report.
      expect(p.latencyMs, id).toBeLessThanOrEqual(HOSTILE_TIMEOUT_S * 1000 + 500);
    }
    // The loop was followed ten times after the first request, then given up.
    expect(target.requests["/redirect-loop"]).toBeGreaterThanOrEqual(11);
    for (const [id, p] of Object.entries(seen)) console.info(`${id}: ${p.reason} after ${p.latencyMs} ms: ${p.message}`);
  });

  it("does not slow the calm plane's rounds", async () => {
    // Over two of the hostile planes' rounds: the calm plane passes every run, on its period.
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 20_000));
    const to = Date.now();
    const runs = await until("the window's calm results in D1", async () => {
      const rows = d1Query<{ region: string; ok: number; latency_ms: number; at: number }>(
        mesh.persistDir,
        "SELECT region, ok, latency_ms, at FROM results WHERE plane = 'calm' AND at >= ? AND at < ? ORDER BY at",
        from,
        to,
      );
      const regions = new Set(rows.filter((r) => r.at > to - 2 * CALM_PERIOD_S * 1000).map((r) => r.region));
      return regions.size === 2 ? rows : undefined;
    });
    expect(runs.every((r) => r.ok === 1)).toBe(true);
    for (const region of ["weur", "apac"]) {
      const at = runs.filter((r) => r.region === region).map((r) => r.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // Each region ran on its period throughout: no round waited for a hostile one.
      expect(at.length, region).toBeGreaterThanOrEqual(((to - from) / (CALM_PERIOD_S * 1000)) * 0.75);
      console.info(`calm ${region}: ${at.length} runs, longest gap ${Math.max(...gaps)} ms`);
    }
  });
});
