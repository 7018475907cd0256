/**
 * The shipped Grafana dashboard against a real Prometheus that scraped a real mesh (with the
 * shipped rules loaded, as in production): every PromQL expression in it parses and returns
 * data. The mesh has a healthy plane, a failing one with fast retries, and an async plane, so
 * every panel has something to show.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { TRACEPARENT_PATTERN } from "../../src/probes/wire/trace.ts";
import { simulatorPlane } from "../support/config.ts";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus.ts";
import { systemProgram } from "../support/system.ts";
import { until as eventually } from "../support/until.ts";

const DEPLOY = join(import.meta.dirname, "../../deploy");
const API_KEY = "e2e-dashboard-key";
const WEBHOOK_SECRET = "e2e-dashboard-webhook-secret";
/** Grafana's own variables, as it would fill them in for a one-hour view. */
const GRAFANA_VARIABLES: Record<string, string> = { $__range: "1h", $__rate_interval: "1m", $__interval: "15s" };
/** Series another part of the mesh exports (maintenance windows, flap damping): absent until it does, so their panels may be empty. */
const MAY_BE_ABSENT = /workload_plane_(maintenance|flapping)/;

let mesh: RunningMesh | undefined;
let prometheus: RunningPrometheus | undefined;

const until = <T>(what: string, probe: () => Promise<T | undefined>) =>
  eventually(what, probe, { timeoutMs: 150_000, context: () => `${mesh?.logs().slice(-3000)}\n${prometheus?.logs().slice(-2000)}` });

/** Every PromQL expression of the dashboard, with the panel it is in, rows included. */
function dashboardExprs(): Array<{ panel: string; expr: string }> {
  type Panel = { title: string; targets?: Array<{ expr: string }>; panels?: Panel[] };
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, "grafana/planewatch.json"), "utf8")) as { panels: Panel[] };
  const walk = (panels: Panel[]): Array<{ panel: string; expr: string }> =>
    panels.flatMap((p) => [...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })), ...walk(p.panels ?? [])]);
  return walk(dashboard.panels);
}

function withVariables(expr: string): string {
  return expr.replace(/\$__\w+/g, (name) => GRAFANA_VARIABLES[name] ?? name);
}

beforeAll(async () => {
  const binary = systemProgram("prometheus", ["/usr/bin/prometheus"]);
  if (!binary) return;
  const simulatorPort = await freePort();
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  const failing = simulatorPlane(simulator, "failing", 2);
  // Fast retries on its (failing) predict probe: the retries panel has attempts beyond the runs.
  const failingPlane = { ...failing, probes: [{ ...failing.probes[0], retries: 1, retryDelaySeconds: 0.5 }, failing.probes[1]] };
  const asyncPlane = {
    id: "async",
    baseUrl: `${simulator}/planes/async`,
    apiKeySecret: "DEMO_API_KEY",
    webhookSecret: "WEBHOOK_SECRET",
    regions: ["weur"],
    probes: [
      {
        kind: "async_predict",
        input: { text: "ping" },
        expect: { output: { status: "ok", echo: { text: "ping" } } },
        periodSeconds: 5,
        timeoutSeconds: 3,
        deadlineSeconds: 4,
        pollIntervalSeconds: 0.5,
      },
    ],
  };
  mesh = await startMesh({
    simulatorPort,
    vars: {
      PLANES_CONFIG: JSON.stringify({ planes: [simulatorPlane(simulator, "healthy"), failingPlane, asyncPlane] }),
      DEMO_API_KEY: API_KEY,
      WEBHOOK_SECRET,
    },
    simulatorVars: { SIM_API_KEY: API_KEY, SIM_WEBHOOK_SECRET: WEBHOOK_SECRET, SIM_FAULTS: JSON.stringify({ failing: { status: 500 } }) },
  });
  await mesh.tick();
  prometheus = await startPrometheus(
    binary,
    `global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s }
rule_files: ["${join(DEPLOY, "prometheus/rules.yml")}"]
scrape_configs:
  - job_name: planewatch
    static_configs: [{ targets: ["${new URL(mesh.url).host}"] }]
`,
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await mesh?.stop();
});

describe("deploy/grafana/planewatch.json", () => {
  it("shows status, uptime, a latency heatmap, webhook deliveries and maintenance", () => {
    const exprs = dashboardExprs().map((e) => e.expr);
    for (const series of [
      "workload_plane_health_status",
      "probe_success",
      "planewatch_probe_duration_seconds_bucket",
      "planewatch_webhook_deliveries_total",
      "workload_plane_maintenance",
    ]) {
      expect(
        exprs.some((e) => e.includes(series)),
        series,
      ).toBe(true);
    }
  });

  it("has only expressions that parse and return data from a real Prometheus scraping a real mesh", async (ctx) => {
    if (!prometheus) return ctx.skip("prometheus is not installed");
    const running = prometheus;
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(10);
    // Each one parses: a query Prometheus refuses throws at once, data or not.
    for (const { expr } of exprs) await running.query(withVariables(expr));
    const empty = await until("data for every expression", async () => {
      const missing: string[] = [];
      for (const { panel, expr } of exprs) {
        if (MAY_BE_ABSENT.test(expr)) continue;
        if ((await running.query(withVariables(expr))).length === 0) missing.push(`${panel}: ${expr}`);
      }
      return missing.length === 0 ? missing : undefined;
    });
    expect(empty).toEqual([]);
  });

  it("counts the fast retries of the failing plane's predict probe: two attempts to each run", async (ctx) => {
    if (!mesh) return ctx.skip("prometheus is not installed");
    const text = await (await fetch(`${mesh.url}/metrics`)).text();
    const total = (name: string) =>
      [...text.matchAll(new RegExp(`^${name}\\{plane="failing",[^}]*probe="sync_predict"[^}]*\\} (\\d+)$`, "gm"))].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    const runs = total("planewatch_probe_runs_total");
    expect(runs).toBeGreaterThan(0);
    expect(total("planewatch_probe_attempts_total")).toBe(2 * runs);
  });

  it("is fed by probe results that carry the traceparent and X-Request-ID their requests sent", async (ctx) => {
    if (!mesh) return ctx.skip("prometheus is not installed");
    const plane = (await (await fetch(`${mesh.url}/api/v1/planes/failing`)).json()) as {
      regions: Record<string, { probes: Record<string, { traceparent: string | null; requestId: string | null }> }>;
    };
    const results = Object.values(plane.regions).flatMap((r) => Object.values(r.probes));
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.traceparent).toMatch(TRACEPARENT_PATTERN);
      expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
