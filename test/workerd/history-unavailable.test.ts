/**
 * The API when D1 fails (a throwing D1 here; test/e2e/faults-storage.test.ts locks the real
 * local D1 under `wrangler dev`): history routes answer 503 "History unavailable" with
 * Retry-After, never 500, and the statuses, which never touch D1, are still served.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";

const failing = () => {
  throw new Error("D1_ERROR: database is locked: SQLITE_BUSY");
};
/** Every D1 call throws, as a locked or unreachable database makes it. */
const unavailableDb = { prepare: failing, batch: failing, exec: failing, withSession: failing, dump: failing } as unknown as D1Database;

const call = (path: string) => worker.fetch(new Request(`http://mesh${path}`), { ...env, DB: unavailableDb }, createExecutionContext());

describe("D1 unavailable", () => {
  it("answers every history route 503 History unavailable, with Retry-After", async () => {
    for (const path of [
      "/api/v1/planes/good/history",
      "/api/v1/planes/good/transitions",
      "/api/v1/transitions",
      "/api/v1/planes/good/uptime",
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("retry-after")).toBe("15");
      expect(await res.json()).toMatchObject({ status: 503, title: "History unavailable" });
    }
  });

  it("still serves the statuses", async () => {
    expect((await call("/api/v1/status")).status).toBe(200);
    expect((await call("/api/v1/planes/good")).status).toBe(200);
  });
});
