import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findPlane } from "../../src/config/load.ts";
import { ensurePlaneRow, latestResults, probeSnapshot, recordResult } from "../../src/objects/plane/state.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import type { ProbeResult } from "../../src/status/model.ts";

const PLANE = "broken";

function result(at: number, ok: boolean): ProbeResult {
  return {
    plane: PLANE,
    region: "wnam",
    probe: "sync_predict",
    kind: "sync_predict",
    at,
    ok,
    reason: ok ? "ok" : "http_500",
    latencyMs: 12,
    httpStatus: ok ? 200 : 500,
    message: ok ? "ok" : "answered 500",
  };
}

describe("the Plane object's region rows", () => {
  it("reads a region's row as stored after the transaction that wrote it rolled back, not as the object last wrote it", async () => {
    const plane = findPlane(env, PLANE)!;
    await runInDurableObject(planeStub(env, PLANE), (_instance, state) => {
      const { sql } = state.storage;
      const runs = () => probeSnapshot(sql).runs.reduce((n, c) => n + c.value, 0);
      const latest = () => latestResults(sql).find((r) => r.region === "wnam")!;
      const at = Date.now() + 60_000;
      ensurePlaneRow(sql, PLANE, Date.now());
      recordResult(sql, plane, result(at, true), [0.1, 1]);
      const before = runs();
      expect(() =>
        state.storage.transactionSync(() => {
          recordResult(sql, plane, result(at + 1_000, false), [0.1, 1]);
          expect(latest()).toMatchObject({ at: at + 1_000, ok: false });
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(latest()).toMatchObject({ at, ok: true });
      expect(runs()).toBe(before);
      // And a write after it starts from the stored row.
      recordResult(sql, plane, result(at + 2_000, true), [0.1, 1]);
      expect(latest()).toMatchObject({ at: at + 2_000, ok: true });
      expect(runs()).toBe(before + 1);
    });
  });
});
