/**
 * The outputs as their real consumers read them: a real Prometheus federating and scraping a
 * real `wrangler dev`, promtool on both formats, every documented API answer validated
 * against the OpenAPI document, and the event stream following a simulator fault.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { launchChromium } from "../support/browser.ts";
import { simulatorPlane } from "../support/config.ts";
import { expositionProblems, promtoolFindings } from "../support/exposition.ts";
import { startPrometheus } from "../support/prometheus.ts";
import { collectEvents, type ServerSentEvent } from "../support/sse.ts";
import { systemProgram } from "../support/system.ts";
import { until as eventually } from "../support/until.ts";

const API_KEY = "e2e-outputs-key";
const METRICS_TOKEN = "metrics-e2e-token";
const READ_TOKEN = "read-e2e-token";
const READ = { authorization: `Bearer ${READ_TOKEN}` };
const OPENMETRICS = "application/openmetrics-text; version=1.0.0";

let mesh: RunningMesh;

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number) =>
  eventually(what, probe, { timeoutMs, context: () => mesh.logs().slice(-4000) });

async function planeStatus(plane: string): Promise<string | undefined> {
  const body = (await (await fetch(`${mesh.url}/api/v1/planes/${plane}`, { headers: READ })).json()) as { status?: string };
  return body.status;
}

function setFaults(plane: string, faults: Record<string, unknown>) {
  return fetch(`${mesh.simulatorUrl}/planes/${plane}/faults`, { method: "PUT", body: JSON.stringify(faults) });
}

beforeAll(async () => {
  const simulatorPort = await freePort();
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  mesh = await startMesh({
    simulatorPort,
    vars: {
      PLANES_CONFIG: JSON.stringify({ planes: [simulatorPlane(simulator, "healthy"), simulatorPlane(simulator, "failing")] }),
      DEMO_API_KEY: API_KEY,
      METRICS_TOKEN,
      API_READ_TOKEN: READ_TOKEN,
      ADMIN_TOKEN,
    },
    simulatorVars: { SIM_API_KEY: API_KEY, SIM_FAULTS: JSON.stringify({ failing: { status: 500 } }) },
  });
  await mesh.tick();
  await until("healthy OK and failing FAILED", async () =>
    (await planeStatus("healthy")) === "OK" && (await planeStatus("failing")) === "FAILED" ? true : undefined,
  );
});

afterAll(async () => {
  await mesh?.stop();
});

describe("a real Prometheus", () => {
  it("federates the plane status series through /federate, and scrapes /metrics as OpenMetrics", async (ctx) => {
    const binary = systemProgram("prometheus", ["/usr/bin/prometheus"]);
    if (!binary) return ctx.skip("prometheus is not installed");
    const target = new URL(mesh.url).host;
    const job = (name: string, path: string, extra: string) => `
  - job_name: ${name}
    metrics_path: ${path}
    authorization: { type: Bearer, credentials: ${METRICS_TOKEN} }
    static_configs: [{ targets: ["${target}"] }]${extra}`;
    const prometheus = await startPrometheus(
      binary,
      `global: { scrape_interval: 2s, scrape_timeout: 2s }
scrape_configs:${job(
        "federate",
        "/federate",
        `
    honor_labels: true
    params:
      "match[]":
        - workload_plane_health_status
        - '{__name__=~"planewatch_probe_duration_seconds_(count|sum)", plane="healthy"}'`,
      )}${job("metrics", "/metrics", "")}
`,
    );
    try {
      const federated = await until(
        "the federated status series in Prometheus",
        async () => {
          const result = await prometheus.query('workload_plane_health_status{job="federate"}');
          return result.length === 12 ? result : undefined;
        },
        90_000,
      );
      const current = federated.filter((s) => s.value[1] === "1").map((s) => s.metric);
      expect(current).toEqual(
        expect.arrayContaining([
          { __name__: "workload_plane_health_status", plane: "healthy", status: "OK", job: "federate", instance: target },
          { __name__: "workload_plane_health_status", plane: "failing", status: "FAILED", job: "federate", instance: target },
        ]),
      );
      expect(current).toHaveLength(2);
      // Only what the selectors matched came through the federation job.
      const latency = await prometheus.query('{job="federate", __name__=~"planewatch_probe_duration_seconds.*"}');
      expect(new Set(latency.map((s) => s.metric.__name__))).toEqual(
        new Set(["planewatch_probe_duration_seconds_count", "planewatch_probe_duration_seconds_sum"]),
      );
      expect(latency.every((s) => s.metric.plane === "healthy")).toBe(true);
      expect(await prometheus.query('probe_success{job="federate"}')).toEqual([]);

      const up = await until("the OpenMetrics scrape of /metrics", async () => {
        const result = await prometheus.query('up{job="metrics"} == 1');
        return result.length === 1 ? result : undefined;
      });
      expect(up[0]!.metric.instance).toBe(target);
      // OpenMetrics counters came through with their _total series, the histogram with its buckets.
      expect(
        (await prometheus.query('planewatch_probe_runs_total{job="metrics", plane="failing", outcome="failure"}')).length,
      ).toBeGreaterThan(0);
      const p50 = await prometheus.query(
        'histogram_quantile(0.5, sum by (le) (planewatch_probe_duration_seconds_bucket{job="metrics", plane="healthy"}))',
      );
      expect(Number(p50[0]!.value[1])).toBeGreaterThan(0);
    } finally {
      await prometheus.stop();
    }
  });
});

describe("both exposition formats", () => {
  const scrape = async (path: string, accept?: string) => {
    const res = await fetch(`${mesh.url}${path}`, { headers: { authorization: `Bearer ${METRICS_TOKEN}`, ...(accept ? { accept } : {}) } });
    expect(res.status).toBe(200);
    return { type: res.headers.get("content-type"), text: await res.text() };
  };

  it("pass promtool check metrics and the contiguity check", async (ctx) => {
    const promtool = systemProgram("promtool");
    if (!promtool) return ctx.skip("promtool is not installed");
    const text = await scrape("/metrics");
    expect(text.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(expositionProblems(text.text)).toEqual([]);
    expect(promtoolFindings(promtool, text.text)).toBe("");

    const openMetrics = await scrape("/metrics", OPENMETRICS);
    expect(openMetrics.type).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(openMetrics.text.endsWith("\n# EOF\n")).toBe(true);
    expect(expositionProblems(openMetrics.text)).toEqual([]);
    // promtool reads OpenMetrics with its 0.0.4 parser: it accepts the input, and its only
    // complaint may be that the `_total` samples of counters, named `x` in OpenMetrics, have no HELP.
    const findings = promtoolFindings(promtool, openMetrics.text)
      .split("\n")
      .filter((f) => f !== "");
    expect(findings.filter((f) => !/^\w+_total no help text$/.test(f))).toEqual([]);
  });

  it("gzips a scrape for a scraper that accepts it, as Prometheus does", async () => {
    const get = (encoding: string) =>
      httpGet(`${mesh.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}`, "accept-encoding": encoding });
    const series = (text: string) => text.split("\n").map((l) => l.replace(/ [^ ]*$/, ""));
    const gzipped = await get("gzip");
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    const text = gunzipSync(gzipped.body).toString();
    expect(expositionProblems(text)).toEqual([]);
    expect(gzipped.body.byteLength).toBeLessThan(text.length / 4);
    const plain = await get("identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(series(plain.body.toString())).toEqual(series(text));
  });

  it("answers plain text to a client that asked for no encoding (curl), though the runtime adds one", async () => {
    const auth = { authorization: `Bearer ${METRICS_TOKEN}` };
    const federate = `${mesh.url}/federate?match[]=${encodeURIComponent("workload_plane_health_status")}`;
    for (const url of [`${mesh.url}/metrics`, federate]) {
      // node:http sends no Accept-Encoding unless told, as curl does.
      const plain = await httpGet(url, auth);
      expect(plain.status).toBe(200);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.body.toString()).toContain("# TYPE workload_plane_health_status");
      const gzipped = await httpGet(url, { ...auth, "accept-encoding": "gzip" });
      expect(gzipped.headers["content-encoding"]).toBe("gzip");
      expect(gunzipSync(gzipped.body).toString()).toContain("# TYPE workload_plane_health_status");
    }
  });

  it("answers a federation that matches nothing with an empty exposition a gzip scraper can read", async () => {
    const none = `${mesh.url}/federate?match[]=${encodeURIComponent('{plane="no-such-plane"}')}`;
    const answer = await httpGet(none, { authorization: `Bearer ${METRICS_TOKEN}`, "accept-encoding": "gzip" });
    expect(answer.status).toBe(200);
    const body = answer.headers["content-encoding"] === "gzip" ? gunzipSync(answer.body) : answer.body;
    expect(body.toString()).toBe("");
  });

  it("federates in both formats, with the same series", async () => {
    const selector = `match[]=${encodeURIComponent('{__name__=~"workload_plane_health_status|planewatch_probe_runs_total", plane="failing"}')}`;
    const samples = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    const text = await scrape(`/federate?${selector}`);
    const openMetrics = await scrape(`/federate?${selector}`, OPENMETRICS);
    expect(samples(text.text).length).toBeGreaterThan(6);
    expect(samples(openMetrics.text).map((l) => l.replace(/ .*/, ""))).toEqual(samples(text.text).map((l) => l.replace(/ .*/, "")));
  });
});

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

/**
 * Real requests for every documented operation, covering each status it documents but 304,
 * 401 (added below: the first example without the token), 403 (the admin actions while
 * ADMIN_TOKEN is unset, which this mesh sets) and 503 (an invalid config): the workerd tests
 * check those answers against the same zod schemas.
 */
const ADMIN_TOKEN = "e2e-admin-token";
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
const windowUntil = (ms: number) => JSON.stringify({ until: new Date(Date.now() + ms).toISOString(), reason: "e2e window" });

const EXAMPLES: Record<string, Array<{ path: string; status: number; headers?: Record<string, string>; body?: () => string }>> = {
  "GET /api/v1/openapi.json": [{ path: "/api/v1/openapi.json", status: 200 }],
  "GET /api/v1/docs": [{ path: "/api/v1/docs", status: 200 }],
  "GET /api/v1/status": [{ path: "/api/v1/status", status: 200 }],
  "GET /api/v1/planes/{id}": [
    { path: "/api/v1/planes/failing", status: 200 },
    { path: "/api/v1/planes/nope", status: 404 },
  ],
  "GET /api/v1/planes/{id}/history": [
    { path: "/api/v1/planes/failing/history?limit=2", status: 200 },
    { path: "/api/v1/planes/failing/history?outcome=perhaps", status: 400 },
    { path: "/api/v1/planes/nope/history", status: 404 },
  ],
  "GET /api/v1/planes/{id}/uptime": [
    { path: "/api/v1/planes/healthy/uptime", status: 200 },
    { path: "/api/v1/planes/nope/uptime", status: 404 },
  ],
  "GET /api/v1/transitions": [
    { path: "/api/v1/transitions?limit=1", status: 200 },
    { path: "/api/v1/transitions?to=soon", status: 400 },
    { path: "/api/v1/transitions?plane=nope", status: 404 },
  ],
  "GET /api/v1/planes/{id}/transitions": [
    { path: "/api/v1/planes/failing/transitions", status: 200 },
    { path: "/api/v1/planes/failing/transitions?limit=5000", status: 400 },
    { path: "/api/v1/planes/nope/transitions", status: 404 },
  ],
  "GET /api/v1/events": [
    { path: "/api/v1/events?plane=failing", status: 200 },
    { path: "/api/v1/events", status: 400, headers: { ...READ, "last-event-id": "yesterday" } },
    { path: "/api/v1/events?plane=nope", status: 404 },
  ],
  // A window opened and ended again on the healthy plane, so the other tests see none.
  "PUT /api/v1/planes/{id}/maintenance": [
    { path: "/api/v1/planes/healthy/maintenance", status: 200, headers: ADMIN, body: () => windowUntil(3_600_000) },
    { path: "/api/v1/planes/healthy/maintenance", status: 400, headers: ADMIN, body: () => windowUntil(-60_000) },
    { path: "/api/v1/planes/nope/maintenance", status: 404, headers: ADMIN, body: () => windowUntil(3_600_000) },
    { path: "/api/v1/planes/healthy/maintenance", status: 413, headers: ADMIN, body: () => "x".repeat(4096) },
  ],
  "DELETE /api/v1/planes/{id}/maintenance": [
    { path: "/api/v1/planes/healthy/maintenance", status: 200, headers: ADMIN },
    { path: "/api/v1/planes/nope/maintenance", status: 404, headers: ADMIN },
  ],
};

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document, and every documented endpoint's real answers validate against it", async () => {
    const doc = (await (await fetch(`${mesh.url}/api/v1/openapi.json`)).json()) as OpenApiDocument;
    const validator = new Validator();
    const verdict = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(validator.version).toBe("3.1");

    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(Object.keys(EXAMPLES).sort()).toEqual(operations.sort());

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, "openapi.json");
    const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

    for (const [operation, given] of Object.entries(EXAMPLES)) {
      const [method, path] = operation.split(" ") as [string, string];
      const documented = doc.paths[path]![method.toLowerCase()]!.responses;
      const examples = "401" in documented ? [...given, { ...given[0]!, status: 401, headers: {} }] : given;
      expect(
        Object.keys(documented)
          .filter((s) => s !== "304" && s !== "403" && s !== "503")
          .sort(),
        operation,
      ).toEqual([...new Set(examples.map((e) => String(e.status)))].sort());
      for (const example of examples) {
        const events = example.path.startsWith("/api/v1/events") && example.status === 200;
        const { response, body } = events
          ? await firstEvent(example.path)
          : await fetch(`${mesh.url}${example.path}`, { method, headers: example.headers ?? READ, body: example.body?.() }).then(
              async (r) => ({
                response: r,
                body: await r.text(),
              }),
            );
        expect(response.status, example.path).toBe(example.status);
        const type = response.headers.get("content-type")!.split(";")[0]!;
        const content = documented[String(example.status)]!.content!;
        expect(Object.keys(content), `${example.path} content type`).toContain(type);
        const schemaRef = `openapi.json#/${pointer("paths", path, method.toLowerCase(), "responses", String(example.status), "content", type, "schema")}`;
        const value = type.endsWith("json") ? JSON.parse(body) : body;
        const validate = ajv.getSchema(schemaRef)!;
        expect(validate(value) ? [] : validate.errors, example.path).toEqual([]);
        if (events) {
          const status = ajv.getSchema("openapi.json#/components/schemas/StatusEvent")!;
          const data = JSON.parse(body.match(/^data: (.*)$/m)![1]!);
          expect(status(data) ? [] : status.errors).toEqual([]);
        }
      }
    }
    // Not vacuous: the documented schemas do refuse a wrong answer.
    expect(
      ajv.getSchema(
        `openapi.json#/${pointer("paths", "/api/v1/status", "get", "responses", "200", "content", "application/json", "schema")}`,
      )!({ planes: [{ id: 1 }] }),
    ).toBe(false);
  });
});

/** The response of an event stream and the text of its first event, then the connection closes. */
async function firstEvent(path: string): Promise<{ response: Response; body: string }> {
  const { response, events } = await collectEvents(`${mesh.url}${path}`, READ, (e) => e.length >= 1, 30_000);
  const event = events[0]!;
  return { response, body: `event: ${event.event}\ndata: ${event.data}\n\n` };
}

describe("the event stream", () => {
  const transitions = (events: ServerSentEvent[]) =>
    events
      .filter((e) => e.event === "transition")
      .map((e) => ({ eventId: e.id, ...(JSON.parse(e.data) as { id: number; plane: string; from: string; to: string }) }));

  it("delivers the transition a simulator fault causes, and resumes after Last-Event-ID", async () => {
    const stream = collectEvents(
      `${mesh.url}/api/v1/events?plane=healthy`,
      READ,
      (events) => transitions(events).some((t) => t.to === "NO_ORACLE"),
      120_000,
    );
    await setFaults("healthy", { modelMissing: true });
    const { response, events } = await stream;
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(events[0]).toMatchObject({ event: "status", retry: 3000 });
    expect(JSON.parse(events[0]!.data)).toMatchObject({ planes: [{ id: "healthy", status: "OK" }] });
    const broke = transitions(events).find((t) => t.to === "NO_ORACLE")!;
    expect(broke).toMatchObject({ plane: "healthy", eventId: String(broke.id) });

    // While no stream is open, the plane recovers; a stream resuming after `broke` gets that, and nothing before.
    await setFaults("healthy", {});
    await until("healthy OK again", async () => ((await planeStatus("healthy")) === "OK" ? true : undefined));
    const resumed = await collectEvents(
      `${mesh.url}/api/v1/events?plane=healthy`,
      { ...READ, "last-event-id": String(broke.id) },
      (events) => transitions(events).some((t) => t.to === "OK"),
      120_000,
    );
    const later = transitions(resumed.events);
    expect(later.some((t) => t.from !== "OK" && t.to === "OK")).toBe(true);
    expect(later.every((t) => t.id > broke.id && t.plane === "healthy")).toBe(true);
  });
});

describe("pages for people", () => {
  it("the status page takes the read token by Basic authentication, then shows the planes and goes live", async (ctx) => {
    const browser = await launchChromium();
    if (!browser) return ctx.skip("chromium is not installed");
    try {
      const context = await browser.newContext({ httpCredentials: { username: "on-call", password: READ_TOKEN } });
      const page = await context.newPage();
      await page.goto(mesh.url);
      await page.locator('[data-plane="failing"][data-status="FAILED"]').waitFor();
      await page.locator("#updated", { hasText: "live, updated" }).waitFor();
    } finally {
      await browser.close();
    }
  });

  it("the API reference renders offline, every endpoint linked to its section", async (ctx) => {
    const browser = await launchChromium();
    if (!browser) return ctx.skip("chromium is not installed");
    try {
      const page = await browser.newPage();
      await page.goto(`${mesh.url}/api/v1/docs`);
      const links = await page.locator("ul a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
      expect(links.length).toBe(11);
      for (const href of links) expect(await page.locator(href).count(), href).toBe(1);
      expect(await page.locator("#schema-TransitionRecord h3").textContent()).toBe("TransitionRecord");
    } finally {
      await browser.close();
    }
  });
});
