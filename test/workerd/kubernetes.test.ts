/**
 * Kubernetes semantics inside workerd: thresholds as the Plane object applies them to an http
 * probe with Kubernetes' defaults, and an HTTP server whose readiness flips. The startup gate,
 * initial delay and sub-minute cadence run for real in test/e2e/health-probes.test.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { planeStub } from "../../src/objects/stubs.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import { probe } from "../support/run-probe.ts";

const REGIONS = ["wnam", "weur", "apac"];

function round(at: number, healthzOk: boolean): ProbeResult[] {
  return REGIONS.flatMap((region) => [
    {
      plane: "good",
      region,
      probe: "sync_predict",
      kind: "sync_predict",
      at,
      ok: true,
      reason: "ok",
      latencyMs: 5,
      httpStatus: 200,
      message: "",
    },
    {
      plane: "good",
      region,
      probe: "healthz",
      kind: "http",
      at,
      ok: healthzOk,
      reason: healthzOk ? "ok" : "unexpected_status",
      latencyMs: 5,
      httpStatus: healthzOk ? 200 : 503,
      message: "",
    },
  ]);
}

describe("thresholds with Kubernetes' defaults (failureThreshold 3, successThreshold 1)", () => {
  it("fails the probe on the third failure in a row and passes it again on the first success", async () => {
    const stub = planeStub(env, "good");
    const at = Date.now();
    const statusAfter = async (i: number, ok: boolean) => {
      await stub.report("good", round(at + i * 10_000, ok));
      return (await stub.detail("good")).snapshot.status;
    };
    expect(await statusAfter(0, true)).toBe("OK");
    expect(await statusAfter(1, false)).toBe("OK");
    expect(await statusAfter(2, false)).toBe("OK");
    expect(await statusAfter(3, false)).toBe("FAILED");
    expect(await statusAfter(4, true)).toBe("OK");
  });
});

describe("http against a server whose readiness flips", () => {
  const ports = env.TEST_SERVERS;
  const setHealth = (health: Record<string, boolean>) =>
    fetch(`http://127.0.0.1:${ports.control}/http`, { method: "PUT", body: JSON.stringify(health) });

  it("follows readiness down and up, while liveness stays up", async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    expect(await probe(base, { kind: "http", url: "/readyz", role: "readiness" })).toMatchObject({ ok: true, httpStatus: 200 });
    await setHealth({ ready: false });
    try {
      expect(await probe(base, { kind: "http", url: "/readyz", role: "readiness" })).toMatchObject({
        ok: false,
        reason: "unexpected_status",
        httpStatus: 503,
      });
      expect(await probe(base, { kind: "http", url: "/livez", role: "liveness" })).toMatchObject({ ok: true });
    } finally {
      await setHealth({ ready: true });
    }
    expect(await probe(base, { kind: "http", url: "/readyz" })).toMatchObject({ ok: true });
  });
});
