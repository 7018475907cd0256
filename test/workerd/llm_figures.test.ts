import { env, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { planeStub } from "../../src/objects/stubs.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import { expositionProblems } from "../support/exposition.ts";

/** Results with the figures of a streamed answer, reported to the Plane object as a Prober reports them. */
const NOW = Date.now();

function streamed(region: string, at: number, timeToFirstTokenMs: number): ProbeResult {
  return {
    plane: "good",
    region,
    probe: "sync_predict",
    kind: "sync_predict",
    at,
    ok: true,
    reason: "ok",
    latencyMs: 900,
    httpStatus: 200,
    message: "ok",
    figures: { timeToFirstByteMs: 40, timeToFirstTokenMs, outputTokens: 16, tokensPerSecond: 50, maxInterTokenGapMs: 30 },
  };
}

async function get(path: string): Promise<Response> {
  return exports.default.fetch(`http://mesh${path}`);
}

describe("figures of streamed answers", () => {
  beforeAll(async () => {
    const stub = planeStub(env, "good");
    await stub.report("good", [streamed("wnam", NOW - 2_000, 80), streamed("wnam", NOW - 1_000, 300), streamed("weur", NOW - 1_000, 120)]);
    await runDurableObjectAlarm(stub);
  });

  it("exports the latest run's figures and a histogram of every time to first token", async () => {
    const text = await (await get("/metrics")).text();
    expect(expositionProblems(text)).toEqual([]);
    const labels = 'plane="good",region="wnam",probe="sync_predict"';
    expect(text).toContain(`probe_llm_time_to_first_token_seconds{${labels}} 0.3\n`);
    expect(text).toContain(`probe_llm_output_tokens{${labels}} 16\n`);
    expect(text).toContain(`probe_llm_tokens_per_second{${labels}} 50\n`);
    expect(text).toContain(`probe_llm_max_inter_token_gap_seconds{${labels}} 0.03\n`);
    expect(text).toContain(`probe_stream_time_to_first_byte_seconds{${labels}} 0.04\n`);
    expect(text).toContain(`planewatch_llm_time_to_first_token_seconds_bucket{${labels},le="0.1"} 1\n`);
    expect(text).toContain(`planewatch_llm_time_to_first_token_seconds_bucket{${labels},le="0.5"} 2\n`);
    expect(text).toContain(`planewatch_llm_time_to_first_token_seconds_count{${labels}} 2\n`);
    expect(text).toContain("# TYPE planewatch_llm_time_to_first_token_seconds histogram");
  });

  it("gives the figures in the API", async () => {
    const body = (await (await get("/api/v1/planes/good")).json()) as {
      regions: Record<string, { probes: Record<string, { figures?: unknown }> }>;
    };
    expect(body.regions.weur!.probes.sync_predict!.figures).toEqual({
      timeToFirstByteMs: 40,
      timeToFirstTokenMs: 120,
      outputTokens: 16,
      tokensPerSecond: 50,
      maxInterTokenGapMs: 30,
    });
  });
});
