import { describe, expect, it } from "vitest";
import { viewChangesAt, viewOf } from "../../src/render/view.ts";
import { planeFamilies, renderPlane, renderScrape, scrapeFamilies } from "../../src/render/metrics.ts";
import {
  acceptsGzip,
  escapeLabelValue,
  formatBound,
  formatValue,
  lazySamples,
  negotiateFormat,
  render,
  renderChunks,
  selectSamples,
  type MetricFamily,
} from "../../src/render/prometheus.ts";
import { parseSelector } from "../../src/render/selector.ts";
import { validateConfig } from "../../src/config/validate.ts";
import type { PlaneSnapshot } from "../../src/status/snapshot.ts";
import { expositionProblems } from "../support/exposition.ts";

const FAMILIES: MetricFamily[] = [
  {
    name: "a",
    help: 'first\nline "quoted"',
    type: "gauge",
    samples: [
      { labels: { x: "1" }, value: 1 },
      { labels: {}, value: 2 },
    ],
  },
  { name: "empty", help: "nothing", type: "gauge", samples: [] },
  { name: "b", help: "b", type: "counter", samples: [{ labels: { y: 'q"' }, value: 3 }] },
  {
    name: "h_seconds",
    help: "h",
    type: "histogram",
    unit: "seconds",
    samples: [
      { suffix: "_bucket", labels: { le: formatBound(0.5) }, value: 1 },
      { suffix: "_bucket", labels: { le: formatBound(1) }, value: 2 },
      { suffix: "_bucket", labels: { le: formatBound(Infinity) }, value: 3 },
      { suffix: "_sum", labels: {}, value: 4.5 },
      { suffix: "_count", labels: {}, value: 3 },
    ],
  },
];

describe("text format 0.0.4", () => {
  it("escapes label values and formats special values and bounds", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect([NaN, Infinity, -Infinity, 0.25].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "0.25"]);
    expect([0.005, 1, 10, Infinity].map(formatBound)).toEqual(["0.005", "1.0", "10.0", "+Inf"]);
  });

  it("writes HELP and TYPE once before each family, names counters after their _total series, skips empty families", () => {
    const text = render(FAMILIES, "text");
    expect(text).toBe(
      [
        '# HELP a first\\nline "quoted"',
        "# TYPE a gauge",
        'a{x="1"} 1',
        "a 2",
        "# HELP b_total b",
        "# TYPE b_total counter",
        'b_total{y="q\\""} 3',
        "# HELP h_seconds h",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="0.5"} 1',
        'h_seconds_bucket{le="1.0"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        "h_seconds_sum 4.5",
        "h_seconds_count 3",
        "",
      ].join("\n"),
    );
    expect(expositionProblems(text)).toEqual([]);
  });
});

describe("streaming", () => {
  it("writes a large exposition in chunks, each family's HELP and TYPE once, its samples made afresh for each scrape", () => {
    const big: MetricFamily = {
      name: "g",
      help: "g",
      type: "gauge",
      samples: lazySamples(function* () {
        for (let i = 0; i < 4500; i++) yield { labels: { i: String(i) }, value: i };
      }),
    };
    const chunks = [...renderChunks([big], "openmetrics")];
    expect(chunks).toHaveLength(3);
    const text = chunks.join("");
    expect(text.match(/^# TYPE g gauge$/gm)).toHaveLength(1);
    expect(text.split("\n")).toHaveLength(4504);
    expect(expositionProblems(text)).toEqual([]);
    expect(render([big], "openmetrics")).toBe(text);
  });
});

describe("OpenMetrics 1.0", () => {
  it("names counter families without _total, their samples with it, adds UNIT, escapes quotes in HELP, ends with # EOF", () => {
    const text = render(FAMILIES, "openmetrics");
    expect(text).toBe(
      [
        '# HELP a first\\nline \\"quoted\\"',
        "# TYPE a gauge",
        'a{x="1"} 1',
        "a 2",
        "# HELP b b",
        "# TYPE b counter",
        'b_total{y="q\\""} 3',
        "# HELP h_seconds h",
        "# TYPE h_seconds histogram",
        "# UNIT h_seconds seconds",
        'h_seconds_bucket{le="0.5"} 1',
        'h_seconds_bucket{le="1.0"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        "h_seconds_sum 4.5",
        "h_seconds_count 3",
        "# EOF",
        "",
      ].join("\n"),
    );
    expect(expositionProblems(text)).toEqual([]);
    expect(render([], "openmetrics")).toBe("# EOF\n");
  });

  it("is what Prometheus's Accept header asks for; text 0.0.4 otherwise", () => {
    const prometheus =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    expect(negotiateFormat(prometheus)).toBe("openmetrics");
    expect(negotiateFormat("application/openmetrics-text")).toBe("openmetrics");
    expect(negotiateFormat(undefined)).toBe("text");
    expect(negotiateFormat("*/*")).toBe("text");
    expect(negotiateFormat("text/plain;version=0.0.4;q=1, application/openmetrics-text;q=0.5")).toBe("text");
    expect(negotiateFormat("application/openmetrics-text;version=0.0.1")).toBe("text");
    expect(negotiateFormat("application/openmetrics-text;q=0")).toBe("text");
  });

  it("is gzipped when the scraper accepts gzip, by name or by *, with q above 0", () => {
    expect(acceptsGzip("gzip")).toBe(true); // Prometheus's
    expect(acceptsGzip("br, gzip;q=0.5, deflate")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip;q=0, *")).toBe(false);
    expect(acceptsGzip("GZIP")).toBe(true);
  });
});

describe("selection for federation", () => {
  const select = (...texts: string[]) =>
    render(
      selectSamples(
        FAMILIES,
        texts.map((t) => {
          const parsed = parseSelector(t);
          if (!parsed.ok) throw new Error(parsed.error);
          return parsed.matchers;
        }),
      ),
      "text",
    );

  it("matches series names, counters by their _total name and histograms by their suffixed names", () => {
    expect(select("b_total")).toBe('# HELP b_total b\n# TYPE b_total counter\nb_total{y="q\\""} 3\n');
    expect(select("b")).toBe("");
    expect(select('{__name__=~"h_seconds_(sum|count)"}')).toBe(
      "# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_sum 4.5\nh_seconds_count 3\n",
    );
  });

  it("unions several selectors and keeps each family contiguous, in its original order", () => {
    const text = select('h_seconds_bucket{le="+Inf"}', 'a{x="1"}', "a");
    expect(text).toBe(
      '# HELP a first\\nline "quoted"\n# TYPE a gauge\na{x="1"} 1\na 2\n# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_bucket{le="+Inf"} 3\n',
    );
    expect(expositionProblems(text)).toEqual([]);
  });
});

describe("the contiguity check", () => {
  it("catches a split family and a repeated series", () => {
    expect(expositionProblems('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\na 3\n')).toEqual([
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
      results: [
        result("weur", "sync_predict", "sync_predict", false, now - 5_000),
        result("wnam", "sync_predict", "sync_predict", true, now - 5_000),
      ],
      gauges: [],
      counters: [{ name: "planewatch_probe_runs_total", labels: { outcome: "success", probe: "sync_predict", region: "wnam" }, value: 7 }],
      histograms: [{ region: "wnam", probe: "sync_predict", bounds: [0.1, 1], counts: [2, 6], sum: 3.5, count: 7 }],
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
      histograms: [],
    },
  ];
  const views = config.config.planes.map((p, i) => viewOf(p, snapshots[i]!, now));
  const text = render(planeFamilies(views), "text");

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

  it("exports the latency histogram with cumulative buckets, +Inf equal to the count, sum and count", () => {
    const series = (labels: string) => `{plane="p1",region="wnam",probe="sync_predict"${labels}}`;
    expect(text).toContain(
      [
        "# TYPE planewatch_probe_duration_seconds histogram",
        `planewatch_probe_duration_seconds_bucket${series(',le="0.1"')} 2`,
        `planewatch_probe_duration_seconds_bucket${series(',le="1.0"')} 6`,
        `planewatch_probe_duration_seconds_bucket${series(',le="+Inf"')} 7`,
        `planewatch_probe_duration_seconds_sum${series("")} 3.5`,
        `planewatch_probe_duration_seconds_count${series("")} 7`,
      ].join("\n"),
    );
  });

  it("writes the same scrape from each plane's kept lines as from the families, in both formats", () => {
    for (const format of ["text", "openmetrics"] as const) {
      const joined = [...renderScrape(views.map(renderPlane), format)].join("");
      expect(joined).toBe(render(scrapeFamilies(views), format));
      expect(expositionProblems(joined)).toEqual([]);
    }
    expect([...renderScrape(null, "openmetrics")].join("")).toBe(render(scrapeFamilies(null), "openmetrics"));
  });

  it("says when a plane's lines go stale with time alone: its status expires or a result leaves the TTL", () => {
    const [p1, p2] = config.config.planes;
    // p1: its status expires at now + 60 s, before its results (now - 5 s) leave the default TTL of 120 s.
    expect(viewChangesAt(p1!, snapshots[0]!, now)).toBe(now + 60_000);
    expect(viewChangesAt(p1!, { ...snapshots[0]!, expiresAt: null }, now)).toBe(now - 5_000 + 120_000);
    // p2: expired and stale already; nothing changes any more.
    expect(viewChangesAt(p2!, snapshots[1]!, now)).toBe(Infinity);
  });
});
