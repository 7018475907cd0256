/**
 * A chat_completions probe end to end: a real `wrangler dev` mesh streaming the plane
 * simulator's chat completions, its figures in the API and /metrics, and the simulator's
 * run-time faults read as their own reasons (a non-critical probe: DEGRADED).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { eventually, planeStatuses, type ProbeJson } from "../support/mesh-client.ts";

const API_KEY = "e2e-chat-key";
const PLANE = "chatty";

let mesh: RunningMesh;

function planesConfig(simulator: string) {
  return {
    planes: [
      {
        id: PLANE,
        baseUrl: `${simulator}/planes/${PLANE}`,
        apiKeySecret: "DEMO_API_KEY",
        regions: ["wnam"],
        probes: [
          {
            kind: "chat_completions",
            name: "chat",
            model: "sim-model",
            messages: [{ role: "user", content: "Say pong" }],
            periodSeconds: 2,
            timeoutSeconds: 5,
            critical: false,
            expect: { contains: "pong", maxTimeToFirstTokenMs: 1000 },
          },
        ],
      },
    ],
  };
}

/** The chat probe's latest result once it reads `reason` and the plane `status`. */
const chatReads = (reason: string, status: string) =>
  eventually(
    mesh,
    `${PLANE} ${status} with ${reason}`,
    async () => {
      const plane = (await planeStatuses(mesh))[PLANE];
      const chat = plane?.regions.wnam?.probes.chat as (ProbeJson & { figures?: Record<string, number> }) | undefined;
      return plane?.status === status && chat?.reason === reason ? chat : undefined;
    },
    60_000,
  );

function setFaults(faults: Record<string, unknown>) {
  return fetch(`${mesh.simulatorUrl}/planes/${PLANE}/faults`, { method: "PUT", body: JSON.stringify(faults) });
}

beforeAll(async () => {
  const simulatorPort = await freePort();
  mesh = await startMesh({
    simulatorPort,
    vars: { PLANES_CONFIG: JSON.stringify(planesConfig(`http://127.0.0.1:${simulatorPort}`)), DEMO_API_KEY: API_KEY },
    simulatorVars: { SIM_API_KEY: API_KEY, SIM_FAULTS: "{}" },
  });
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
});

describe("chat_completions against the simulator", () => {
  it("measures a healthy stream, and gives its figures in the API and /metrics", async () => {
    const chat = await chatReads("ok", "OK");
    expect(chat.figures).toMatchObject({ outputTokens: 16 });
    expect(chat.figures!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(`${mesh.url}/metrics`)).text();
    expect(metrics).toMatch(/^probe_llm_tokens_per_second\{plane="chatty",region="wnam",probe="chat"\} \d/m);
    expect(metrics).toMatch(/^planewatch_llm_time_to_first_token_seconds_count\{plane="chatty",region="wnam",probe="chat"\} \d/m);
  });

  it("reads the simulator's faults as their reasons, DEGRADED for a non-critical probe", async () => {
    await setFaults({ firstTokenDelayMs: 1500 });
    expect((await chatReads("slow_first_token", "DEGRADED")).figures!.timeToFirstTokenMs).toBeGreaterThanOrEqual(1500);
    await setFaults({ cutStream: true });
    await chatReads("stream_incomplete", "DEGRADED");
    await setFaults({ retryAfterSeconds: 7 });
    expect((await chatReads("rate_limited", "DEGRADED")).message).toContain("retry-after 7");
    await fetch(`${mesh.simulatorUrl}/planes/${PLANE}/faults`, { method: "DELETE" });
    await chatReads("ok", "OK");
  });
});
