/**
 * The mesh as a user runs it: a real `wrangler dev` with the plane simulator, the cron fired
 * over HTTP, the outputs read by a real promtool and a real Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { launchChromium } from "../support/browser.ts";
import { simulatorPlane } from "../support/config.ts";
import { expositionProblems, promtoolFindings } from "../support/exposition.ts";
import { systemProgram } from "../support/system.ts";
import { eventually, planeStatuses, type PlaneJson } from "../support/mesh-client.ts";

const API_KEY = "e2e-demo-key";
/** The hanging plane's probes give up after this; the others must not wait for it. */
const HANG_TIMEOUT_S = 8;

let mesh: RunningMesh;

function planesConfig(simulator: string) {
  return {
    planes: [
      simulatorPlane(simulator, "healthy"),
      simulatorPlane(simulator, "failing"),
      simulatorPlane(simulator, "hanging", HANG_TIMEOUT_S),
    ],
  };
}

const statuses = () => planeStatuses(mesh);

/** Every region of the plane has a result for the probe and the plane has the status. */
function settled(s: Record<string, PlaneJson>, plane: string, status: string): boolean {
  const p = s[plane];
  return p?.status === status && Object.values(p.regions).every((r) => r.probes.sync_predict !== undefined);
}

const until = <T>(what: string, probe: () => Promise<T | undefined>) => eventually(mesh, what, probe);

function setFaults(plane: string, faults: Record<string, unknown>) {
  return fetch(`${mesh.simulatorUrl}/planes/${plane}/faults`, { method: "PUT", body: JSON.stringify(faults) });
}

beforeAll(async () => {
  const simulatorPort = await freePort();
  mesh = await startMesh({
    simulatorPort,
    vars: { PLANES_CONFIG: JSON.stringify(planesConfig(`http://127.0.0.1:${simulatorPort}`)), DEMO_API_KEY: API_KEY },
    simulatorVars: { SIM_API_KEY: API_KEY, SIM_FAULTS: JSON.stringify({ failing: { status: 500 }, hanging: { hang: true } }) },
  });
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
});

describe("the mesh under wrangler dev", () => {
  it("shows the healthy plane OK and the failing one FAILED, without waiting for the hanging one", async () => {
    const seen = await until("healthy OK and failing FAILED", async () => {
      const s = await statuses();
      return settled(s, "healthy", "OK") && settled(s, "failing", "FAILED") ? s : undefined;
    });
    // The hanging plane's probes are still waiting for their timeout: it did not hold the others.
    expect(seen.hanging!.status).toBe("NO_VALUE");
    expect(seen.failing!.regions.weur!.probes.sync_predict!.reason).toBe("unexpected_status");
  });

  it("fails the hanging plane with a timeout once its probes give up", async () => {
    const s = await until("hanging FAILED", async () => {
      const now = await statuses();
      return settled(now, "hanging", "FAILED") ? now : undefined;
    });
    expect(s.hanging!.regions.apac!.probes.sync_predict!.reason).toBe("timeout");
  });

  it("follows a simulator fault switched at run time, and its repair", async () => {
    await setFaults("healthy", { modelMissing: true });
    await until("healthy NO_ORACLE", async () => ((await statuses()).healthy?.status === "NO_ORACLE" ? true : undefined));
    await setFaults("healthy", { unauthorized: true });
    await until("healthy NO_USER", async () => ((await statuses()).healthy?.status === "NO_USER" ? true : undefined));
    await setFaults("healthy", {});
    await until("healthy OK again", async () => ((await statuses()).healthy?.status === "OK" ? true : undefined));
  });

  it("serves /metrics that promtool accepts, every family contiguous", async (ctx) => {
    const promtool = systemProgram("promtool");
    if (!promtool) return ctx.skip("promtool is not installed");
    const text = await (await fetch(`${mesh.url}/metrics`)).text();
    expect(text).toContain('workload_plane_health_status{plane="failing",status="FAILED"} 1');
    expect(expositionProblems(text)).toEqual([]);
    expect(promtoolFindings(promtool, text)).toBe("");
  });

  it("keeps the history in D1, readable through the API", async () => {
    const res = await fetch(`${mesh.url}/api/v1/planes/failing/history?probe=sync_predict&limit=5`);
    const body = (await res.json()) as { results: Array<{ ok: boolean; reason: string }> };
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.every((r) => !r.ok && r.reason === "unexpected_status")).toBe(true);
  });

  it("is ready", async () => {
    const res = await fetch(`${mesh.url}/healthz/readyz`);
    expect(res.status).toBe(200);
  });

  it("renders the status page in Chromium, with the runbook of a failing plane", async (ctx) => {
    const instance = await launchChromium();
    if (!instance) return ctx.skip("chromium is not installed");
    try {
      const page = await instance.newPage();
      await page.goto(mesh.url);
      await page.locator('[data-plane="healthy"][data-status="OK"]').waitFor();
      await page.locator('[data-plane="failing"][data-status="FAILED"] h2 a').click();
      await page.locator('main[data-plane="failing"]').waitFor();
      expect(await page.locator("#runbook h3").first().textContent()).toMatch(/^FAILED: /);
      expect(await page.locator('section[aria-labelledby="failures"]').textContent()).toContain("unexpected_status");
    } finally {
      await instance.close();
    }
  });
});
