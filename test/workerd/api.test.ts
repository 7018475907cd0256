import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/http/app.ts";
import { READ_CHALLENGES } from "../../src/http/auth.ts";
import worker from "../../src/index.ts";
import type { ProbeResult, Transition } from "../../src/status/model.ts";
import { writeHistory } from "../../src/storage/history.ts";
import { floorTo, HOUR_MS } from "../../src/storage/rollup_plan.ts";
import { hoursOf } from "../support/history.ts";

const NOW = Date.now();
const MIN = 60_000;

function get(path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(`http://mesh${path}`, { headers });
}

async function json<T>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

function result(minutesAgo: number, region: string, ok: boolean, probe = "sync_predict"): ProbeResult {
  return {
    plane: "good",
    region,
    probe,
    kind: probe,
    at: NOW - minutesAgo * MIN,
    ok,
    reason: ok ? "ok" : "timeout",
    latencyMs: 20,
    httpStatus: ok ? 200 : null,
    message: "",
  };
}

function transition(plane: string, minutesAgo: number, from: Transition["from"], to: Transition["to"]): Transition {
  return { plane, at: NOW - minutesAgo * MIN, from, to, failing: [] };
}

interface HistoryPage {
  results: Array<{ at: string; region: string; probe: string; ok: boolean }>;
  next: string | null;
}

const SEEDED = [
  // Within the hour: 5 results, one failing; the two at minute 10 share their time.
  result(1, "wnam", true),
  result(10, "wnam", true),
  result(10, "weur", false),
  result(20, "apac", true),
  result(30, "wnam", true, "healthz"),
  // Older: within 24 hours, within 7 days, beyond 30 days.
  result(120, "wnam", false),
  result(3 * 24 * 60, "wnam", true),
  result(40 * 24 * 60, "wnam", true),
];

beforeAll(async () => {
  await writeHistory(
    env.DB,
    SEEDED,
    [transition("good", 5, "OK", "FAILED"), transition("good", 3, "FAILED", "OK"), transition("broken", 4, "NO_VALUE", "FAILED")],
    hoursOf(SEEDED),
  );
});

describe("history", () => {
  it("pages through results newest first with a cursor, each page pinned to the same range", async () => {
    const seen: HistoryPage["results"] = [];
    let path: string | null = "/api/v1/planes/good/history?limit=2";
    const pages: number[] = [];
    while (path) {
      const page: HistoryPage = await json<HistoryPage>(path);
      pages.push(page.results.length);
      seen.push(...page.results);
      path = page.next;
      if (path) expect(path).toMatch(/^\/api\/v1\/planes\/good\/history\?limit=2&from=\d+&to=\d+&cursor=/);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen.map((r) => `${r.region}/${r.probe}`)).toEqual([
      "wnam/sync_predict",
      "wnam/sync_predict",
      "weur/sync_predict",
      "apac/sync_predict",
      "wnam/healthz",
    ]);
  });

  it("filters by region, probe and outcome", async () => {
    const failures = await json<HistoryPage>("/api/v1/planes/good/history?outcome=failure");
    expect(failures.results.map((r) => r.region)).toEqual(["weur"]);
    const wnam = await json<HistoryPage>(`/api/v1/planes/good/history?region=wnam&probe=sync_predict&from=${NOW - 3 * 60 * MIN}`);
    expect(wnam.results).toHaveLength(3);
  });

  it("answers a bad parameter or a forged cursor with a 400 problem naming the parameter", async () => {
    for (const [query, parameter] of [
      ["limit=0", "limit"],
      ["outcome=maybe", "outcome"],
      ["from=yesterday", "from"],
      ["cursor=bm9wZQ", "cursor"],
    ] as const) {
      const res = await get(`/api/v1/planes/good/history?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 400, problems: [{ parameter }] });
    }
  });
});

describe("transitions", () => {
  interface TransitionPage {
    transitions: Array<{ id: number; plane: string; from: string; to: string }>;
    next: string | null;
  }

  it("lists every plane's transitions newest first, with ids in arrival order, and pages them", async () => {
    const first = await json<TransitionPage>("/api/v1/transitions?limit=2");
    expect(first.transitions.map((t) => `${t.plane}:${t.to}`)).toEqual(["good:OK", "broken:FAILED"]);
    const second = await json<TransitionPage>(first.next!);
    expect(second.transitions.map((t) => `${t.plane}:${t.to}`)).toEqual(["good:FAILED"]);
    expect(second.next).toBeNull();
    const ids = [...first.transitions, ...second.transitions].map((t) => t.id).sort();
    expect(new Set(ids).size).toBe(3);
  });

  it("lists one plane's, by path or by filter, and refuses an unknown plane with the list endpoint", async () => {
    const byPath = await json<TransitionPage>("/api/v1/planes/broken/transitions");
    const byFilter = await json<TransitionPage>("/api/v1/transitions?plane=broken");
    expect(byPath.transitions).toEqual(byFilter.transitions);
    expect(byPath.transitions).toMatchObject([{ plane: "broken", from: "NO_VALUE", to: "FAILED" }]);
    for (const path of ["/api/v1/transitions?plane=nope", "/api/v1/planes/nope/transitions", "/api/v1/planes/nope"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ title: "Unknown plane", detail: expect.stringContaining("GET /api/v1/status") });
    }
  });
});

describe("uptime", () => {
  it("counts runs and successes over 1 h, 24 h, 7 d and 30 d, overall and per probe", async () => {
    const body = await json<{
      windows: Array<{ window: string; runs: number; successes: number; ratio: number | null; probes: Record<string, { runs: number }> }>;
    }>("/api/v1/planes/good/uptime");
    // A window starts at the top of the hour holding its start: what lies from there on counts.
    const inWindow = (minutes: number) => SEEDED.filter((r) => r.at >= floorTo(NOW - minutes * MIN, HOUR_MS));
    const expected = (name: string, minutes: number) => {
      const runs = inWindow(minutes);
      const successes = runs.filter((r) => r.ok).length;
      return [name, runs.length, successes, successes / runs.length];
    };
    expect(body.windows.map((w) => [w.window, w.runs, w.successes, w.ratio])).toEqual([
      expected("1h", 60),
      expected("24h", 24 * 60),
      expected("7d", 7 * 24 * 60),
      expected("30d", 30 * 24 * 60),
    ]);
    // Whatever the minute: the hour holds the five recent runs, and not the one 40 days back.
    expect(body.windows[0]!.runs).toBeGreaterThanOrEqual(5);
    expect(body.windows[3]!.runs).toBe(7);
    const healthz = inWindow(60).filter((r) => r.probe === "healthz").length;
    expect(body.windows[0]!.probes.healthz).toEqual({ runs: healthz, successes: healthz, ratio: 1 });
    const keyless = await json<{ windows: Array<{ runs: number; ratio: number | null }> }>("/api/v1/planes/keyless/uptime");
    expect(keyless.windows[0]).toMatchObject({ runs: 0, ratio: null });
  });
});

describe("HTTP behaviour of reads", () => {
  it("gives an ETag and Cache-Control, and 304 to a matching If-None-Match", async () => {
    const range = `/api/v1/planes/good/history?from=${NOW - 60 * MIN}&to=${NOW}`;
    for (const [path, cacheControl] of [
      ["/api/v1/status", "no-cache"],
      ["/api/v1/planes/good", "no-cache"],
      [range, "max-age=10"],
      [`/api/v1/transitions?from=${NOW - 30 * 24 * 60 * MIN}&to=${NOW}`, "max-age=10"],
    ]) {
      const first = await get(path!, { origin: "https://dash.example" });
      const tag = first.headers.get("etag");
      expect(tag, path).toMatch(/^"[0-9a-f]+"$/);
      expect(first.headers.get("cache-control"), path).toBe(cacheControl);
      const again = await get(path!, { "if-none-match": `"other", ${tag}`, origin: "https://dash.example" });
      expect(again.status, path).toBe(304);
      expect(again.headers.get("etag")).toBe(tag);
      expect(again.headers.get("cache-control")).toBe(cacheControl);
      expect(again.headers.get("access-control-allow-origin")).toBe("*");
      expect(await again.text()).toBe("");
    }
    // Uptime windows end at a whole minute: the same ETag all minute long, cached for as long.
    expect((await get("/api/v1/planes/good/uptime")).headers.get("cache-control")).toBe("max-age=60");
  });

  it("answers CORS preflights for browser consumers", async () => {
    const res = await exports.default.fetch("http://mesh/api/v1/status", {
      method: "OPTIONS",
      headers: {
        origin: "https://dash.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(res.headers.get("access-control-allow-methods")).toContain("GET");
  });

  it("wants the read token when API_READ_TOKEN is set, but not for the reference or a preflight", async () => {
    const guarded = { ...env, API_READ_TOKEN: "reader" };
    const call = (path: string, headers: Record<string, string> = {}, method = "GET") =>
      worker.fetch(new Request(`http://mesh${path}`, { method, headers }), guarded, createExecutionContext());
    const refused = await call("/api/v1/status", { origin: "https://dash.example" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.headers.get("www-authenticate")).toBe(READ_CHALLENGES.join(", "));
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect((await call("/api/v1/status", { authorization: "Bearer nope" })).status).toBe(401);
    expect((await call("/api/v1/status", { authorization: "Bearer reader" })).status).toBe(200);
    expect((await call("/api/v1/planes/good/history", { authorization: "bearer reader" })).status).toBe(200);
    expect((await call("/api/v1/openapi.json")).status).toBe(200);
    expect((await call("/api/v1/docs")).status).toBe(200);
    expect((await call("/api/v1/status", { origin: "https://x", "access-control-request-method": "GET" }, "OPTIONS")).status).toBe(204);
  });
});

describe("the OpenAPI document", () => {
  interface Document {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, unknown> };
  }

  it("documents every route of the JSON API, and nothing that is not one", async () => {
    const doc = await json<Document>("/api/v1/openapi.json");
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const served = app.routes
      // The heartbeat receiver is written to by senders, like the webhook receiver: not part of the read API.
      .filter(
        (r) => r.path.startsWith("/api/v1/") && !r.path.startsWith("/api/v1/heartbeats/") && !r.path.endsWith("*") && r.method !== "ALL",
      )
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(served)].sort()).toEqual(documented.sort());
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["PlaneDetail", "TransitionRecord", "StatusEvent", "Problem"]),
    );
  });

  it("is rendered as a reference page that needs no script", async () => {
    const res = await get("/api/v1/docs");
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const path of [
      "/api/v1/status",
      "/api/v1/planes/{id}",
      "/api/v1/planes/{id}/history",
      "/api/v1/planes/{id}/uptime",
      "/api/v1/transitions",
      "/api/v1/events",
    ]) {
      expect(html).toContain(`<code>${path}</code>`);
    }
    expect(html).toContain('id="schema-PlaneDetail"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!dash)/);
  });
});
