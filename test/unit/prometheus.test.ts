import { describe, expect, it } from "vitest";
import { viewOf } from "../../src/outputs/collect.ts";
import { planeFamilies } from "../../src/outputs/metrics.ts";
import { escapeLabelValue, formatValue, renderText } from "../../src/outputs/prometheus.ts";
import { validateConfig } from "../../src/config/validate.ts";
import type { PlaneSnapshot } from "../../src/status/snapshot.ts";
import { expositionProblems } from "../support/exposition.ts";

describe("text format", () => {
  it("escapes label values and formats special values", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect([NaN, Infinity, -Infinity, 0.25].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "0.25"]);
  });

  it("writes HELP and TYPE once before each family, skips empty families, ends with a newline", () => {
    const text = renderText([
      { name: "a", help: "first\nline", type: "gauge", samples: [{ labels: { x: "1" }, value: 1 }, { labels: {}, value: 2 }] },
      { name: "empty", help: "nothing", type: "gauge", samples: [] },
      { name: "b_total", help: "b", type: "counter", samples: [{ labels: { y: 'q"' }, value: 3 }] },
    ]);
    expect(text).toBe(
      [
        "# HELP a first\\nline",
        "# TYPE a gauge",
        'a{x="1"} 1',
        "a 2",
        "# HELP b_total b",
        "# TYPE b_total counter",
        'b_total{y="q\\""} 3',
        "",
      ].join("\n"),
    );
    expect(expositionProblems(text)).toEqual([]);
  });

  it("the contiguity check catches a split family and a repeated series", () => {
    expect(expositionProblems("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\na 3\n")).toEqual([
      "family a is not contiguous",
      "series a repeated",
    ]);
  });
});

describe("plane families", () => {
  const config = validateConfig({
    planes: [
      { id: "p1", baseUrl: "http://x.test", regions: ["wnam", "weur"], probes: [{ kind: "sync_predict", input: 1 }] },
      { id: "p2", baseUrl: "http://y.test", regions: ["apac"], probes: [{ kind: "http", url: "/h" }] },
    ],
  });
  if (!config.ok) throw new Error("test config invalid");
  const now = 10_000_000;
  const result = (region: string, probe: string, kind: string, ok: boolean, at: number) => ({
    region,
    probe,
    kind,
    at,
    ok,
    reason: ok ? "ok" : "timeout",
    latencyMs: 120,
    httpStatus: ok ? 200 : null,
    message: "",
    state: { verdict: ok ? ("pass" as const) : ("fail" as const), successes: 0, failures: 0, failReason: null },
  });
  const snapshots: PlaneSnapshot[] = [
    {
      plane: "p1",
      version: 3,
      status: "DEGRADED",
      since: now - 60_000,
      expiresAt: now + 60_000,
      results: [result("weur", "sync_predict", "sync_predict", false, now - 5_000), result("wnam", "sync_predict", "sync_predict", true, now - 5_000)],
      gauges: [],
      counters: [{ name: "planewatch_probe_runs_total", labels: { outcome: "success", probe: "sync_predict", region: "wnam" }, value: 7 }],
    },
    {
      plane: "p2",
      version: 1,
      status: "OK",
      since: now - 600_000,
      expiresAt: now - 1,
      results: [result("apac", "http", "http", true, now - 500_000)],
      counters: [],
      gauges: [],
    },
  ];
  const views = config.config.planes.map((p, i) => viewOf(p, snapshots[i]!, now));
  const text = renderText(planeFamilies(views));

  it("exports one status series per plane and status, 1 for the current one", () => {
    expect(text).toContain('workload_plane_health_status{plane="p1",status="DEGRADED"} 1');
    expect(text).toContain('workload_plane_health_status{plane="p1",status="OK"} 0');
    expect(text.match(/^workload_plane_health_status\{/gm)).toHaveLength(12);
  });

  it("reads an expired status as NO_VALUE and leaves stale probe results out", () => {
    expect(text).toContain('workload_plane_health_status{plane="p2",status="NO_VALUE"} 1');
    expect(text).not.toContain('probe_success{plane="p2"');
  });

  it("exports per-probe gauges with plane, region and probe labels, and counters", () => {
    expect(text).toContain('probe_success{plane="p1",region="weur",probe="sync_predict"} 0');
    expect(text).toContain('probe_duration_seconds{plane="p1",region="wnam",probe="sync_predict"} 0.12');
    expect(text).toContain('probe_http_status_code{plane="p1",region="weur",probe="sync_predict"} 0');
    expect(text).toContain('planewatch_probe_runs_total{plane="p1",outcome="success",probe="sync_predict",region="wnam"} 7');
    expect(expositionProblems(text)).toEqual([]);
  });
});
