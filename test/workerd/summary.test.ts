import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { summaryStubFor } from "../../src/objects/stubs.ts";
import { emptySnapshot } from "../../src/status/snapshot.ts";

describe("a Summary shard's exposition lines", () => {
  it("are rendered when a snapshot arrives, and again once time alone changes them", async () => {
    const shard = summaryStubFor(env, "keyless");
    const now = Date.now();
    const result = {
      region: "enam",
      probe: "sync_predict",
      kind: "sync_predict",
      at: now,
      ok: true,
      reason: "ok",
      latencyMs: 5,
      httpStatus: 200,
      message: "",
    };
    await shard.put({
      ...emptySnapshot("keyless"),
      version: 1,
      status: "OK",
      since: now,
      expiresAt: now + 60_000,
      results: [{ ...result, state: { verdict: "pass", successes: 1, failures: 0, failReason: null } }],
    });
    const linesAt = async (at: number) => (await shard.exposition(at)).find((p) => p.plane === "keyless")!.lines.join("");
    const fresh = await linesAt(now + 1_000);
    expect(fresh).toContain('workload_plane_health_status{plane="keyless",status="OK"} 1');
    expect(fresh).toContain('probe_success{plane="keyless",region="enam",probe="sync_predict"} 1');
    // Past its expiry, with no new snapshot: NO_VALUE.
    const expired = await linesAt(now + 61_000);
    expect(expired).toContain('workload_plane_health_status{plane="keyless",status="NO_VALUE"} 1');
    // Past the TTL (120 s by default) the result is left out.
    expect(await linesAt(now + 121_000)).not.toContain("probe_success");
  });

  it("leave out a plane the config does not have", async () => {
    const shard = summaryStubFor(env, "gone");
    await shard.put({ ...emptySnapshot("gone"), version: 1 });
    expect((await shard.exposition(Date.now())).map((p) => p.plane)).not.toContain("gone");
  });
});
