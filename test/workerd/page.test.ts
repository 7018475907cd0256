/**
 * The status pages and badges as a client without JavaScript gets them: fetched directly, with
 * history seeded with known values and rolled up by the real maintenance job on real D1.
 */
import { createExecutionContext, env, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import type { ProbeResult } from "../../src/status/model.ts";
import { type HistoryResult, writeHistory } from "../../src/storage/history.ts";
import { DAY_MS, HOUR_MS } from "../../src/storage/rollup_plan.ts";
import { maintainHistory } from "../../src/storage/rollups.ts";

const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY_MS) * DAY_MS;
/** The day at 50 %: every other run failed with a timeout. */
const HALF_DAY = TODAY - 2 * DAY_MS;
const STEP_MS = 6 * 60_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The day before: only runs in a maintenance window, failing (left out of uptime). */
const MAINTENANCE_DAY = HALF_DAY - DAY_MS;

/** From two days before today to now, a run every 6 minutes; latencies cycle 10, 20, … 100 ms within each hour. */
function seed(): HistoryResult[] {
  const results: HistoryResult[] = [];
  for (let i = 0; i < 10; i++) {
    results.push({
      plane: "broken",
      region: "wnam",
      probe: "sync_predict",
      kind: "sync_predict",
      at: MAINTENANCE_DAY + 10 * HOUR_MS + i * STEP_MS,
      ok: false,
      reason: "timeout",
      latencyMs: 5000,
      httpStatus: null,
      message: "no answer within 5 s",
      maintenance: true,
    });
  }
  for (let at = HALF_DAY, i = 0; at < NOW - 20 * 60_000; at += STEP_MS, i++) {
    const ok = at >= HALF_DAY + DAY_MS || i % 2 === 0;
    results.push({
      plane: "broken",
      region: "wnam",
      probe: "sync_predict",
      kind: "sync_predict",
      at,
      ok,
      reason: ok ? "ok" : "timeout",
      latencyMs: 10 * (1 + (i % 10)),
      httpStatus: ok ? 200 : null,
      message: ok ? "" : "no answer within 5 s",
    });
  }
  results.push({
    plane: "broken",
    region: "weur",
    probe: "sync_predict",
    kind: "sync_predict",
    at: NOW - 10 * 60_000,
    ok: false,
    reason: "unexpected_status",
    latencyMs: 12,
    httpStatus: 500,
    message: "HTTP 500 from the target",
  });
  return results;
}

function get(path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(`http://mesh${path}`, { headers });
}

beforeAll(async () => {
  const results = seed();
  for (let i = 0; i < results.length; i += 500) await writeHistory(env.DB, results.slice(i, i + 500), []);
  await writeHistory(
    env.DB,
    [],
    [
      {
        plane: "broken",
        at: NOW - 5 * HOUR_MS,
        from: "OK",
        to: "FAILED",
        failing: [{ region: "wnam", probe: "sync_predict", reason: "timeout" }],
      },
      { plane: "broken", at: NOW - 3 * HOUR_MS, from: "FAILED", to: "OK", failing: [] },
    ],
  );
  while (!(await maintainHistory(env.DB, NOW, null)).complete);
});

describe("the rollups the pages read", () => {
  it("keep p50 and p95 of each hour (nearest rank) and each day's failures by reason", async () => {
    const hour = await env.DB.prepare(
      "SELECT runs, latency_p50_ms AS p50, latency_p95_ms AS p95 FROM results_hourly WHERE plane = 'broken' AND hour = ?",
    )
      .bind(HALF_DAY + DAY_MS + 5 * HOUR_MS)
      .first();
    expect(hour).toEqual({ runs: 10, p50: 50, p95: 100 });
    const half = await env.DB.prepare("SELECT runs, successes, failures FROM planes_daily WHERE plane = 'broken' AND day = ?")
      .bind(HALF_DAY)
      .first();
    expect(half).toEqual({ runs: 240, successes: 120, failures: '{"timeout":120}' });
    const maintenance = await env.DB.prepare(
      "SELECT runs, successes, failures, maintenance_runs AS maintenanceRuns FROM planes_daily WHERE plane = 'broken' AND day = ?",
    )
      .bind(MAINTENANCE_DAY)
      .first();
    expect(maintenance).toEqual({ runs: 0, successes: 0, failures: "{}", maintenanceRuns: 10 });
  });
});

describe("the overview without JavaScript", () => {
  it("shows each plane with its strip, whose day at 50 % says so in its title", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-plane="broken"');
    expect(html).toContain(`<title>${day(HALF_DAY)}: 50 % up (120 of 240 runs passed); failed: timeout 120</title>`);
    // A day whose every run was in a maintenance window: no uptime to show, but the bar says why.
    expect(html).toContain(`<title>${day(MAINTENANCE_DAY)}: no runs outside maintenance; maintenance: 10 runs left out</title>`);
    // The next day, and today's hours rolled up so far, passed every run: one stretch.
    expect(html).toMatch(
      new RegExp(`<title>${day(HALF_DAY + DAY_MS)}( to ${day(TODAY)}: 100 % up each day|: 100 % up), no failed runs</title>`),
    );
    // Every configured plane is listed, and the filter works without script.
    for (const id of ["good", "broken", "keyless"]) expect(html).toContain(`data-plane="${id}"`);
    const filtered = await (await get("/?q=brok")).text();
    expect(filtered).toContain('data-plane="broken"');
    expect(filtered).not.toContain('data-plane="good"');
  });
});

describe("a plane's page without JavaScript", () => {
  it("shows the incident with its duration and cause, the runbook, latency, availability and failures", async () => {
    const res = await get("/planes/broken");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-duration-ms="${2 * HOUR_MS}">2 h</span>`);
    expect(html).toContain("wnam / sync_predict: timeout");
    expect(html).toContain("HTTP 500 from the target");
    expect(html).toContain('<svg class="chart"');
    expect(html).toContain("No fresh result: the checks did not run.");
    expect(html).toContain(`<time datetime="${day(HALF_DAY)}">${day(HALF_DAY)}</time></td><td>50 %</td>`);
    expect((await get("/planes/nope")).status).toBe(404);
  });
});

describe("maintenance, flapping, request ids and streamed figures", () => {
  const admin = (method: string, path: string, body?: unknown) =>
    worker.fetch(
      new Request(`http://mesh${path}`, {
        method,
        headers: { authorization: "Bearer admin-secret", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      { ...env, ADMIN_TOKEN: "admin-secret" },
      createExecutionContext(),
    );
  const run = (plane: string, region: string, probe: string, ok: boolean, at: number): ProbeResult => ({
    plane,
    region,
    probe,
    kind: probe === "healthz" ? "http" : "sync_predict",
    at,
    ok,
    reason: ok ? "ok" : "unexpected_status",
    latencyMs: 40,
    httpStatus: ok ? 200 : 500,
    message: ok ? "" : "status 500, expected 200",
  });

  it("show a plane's window and flapping beside its status, on its page and the overview", async () => {
    const until = Date.now() + 2 * HOUR_MS;
    const put = await admin("PUT", "/api/v1/planes/good/maintenance", { until: new Date(until).toISOString(), reason: "GPU <swap>" });
    expect(put.status).toBe(200);
    // Seven rounds of keyless passing and failing by turns: it flaps.
    const keyless = planeStub(env, "keyless");
    for (let i = 1; i <= 7; i++) await keyless.report("keyless", [run("keyless", "enam", "sync_predict", i % 2 === 1, Date.now() + i)]);
    await runDurableObjectAlarm(planeStub(env, "good"));
    await runDurableObjectAlarm(keyless);

    const window = `in maintenance until <time datetime="${new Date(until).toISOString()}">`;
    const plane = await (await get("/planes/good")).text();
    expect(plane).toContain(`<span class="notes" id="notes"><span class="note maintenance">${window}`);
    expect(plane).toContain(": GPU &lt;swap&gt;</span>");
    expect(await (await get("/planes/keyless")).text()).toContain('<span class="note flapping">flapping</span>');
    const overview = await (await get("/")).text();
    expect(overview).toContain(window);
    expect(overview).toContain('<span class="note flapping">flapping</span>');
    expect(overview.match(/class="note /g)).toHaveLength(2);
  });

  it("list each probe's latest result with its request id and streamed figures, and failures with their request ids", async () => {
    const at = Date.now();
    const findable = (r: ProbeResult, n: number): ProbeResult => ({
      ...r,
      requestId: `req-${n}`,
      traceparent: `00-${"a".repeat(31)}${n}-${"b".repeat(16)}-01`,
      attempts: n,
    });
    await planeStub(env, "good").report("good", [
      {
        ...findable(run("good", "wnam", "sync_predict", true, at), 1),
        figures: { timeToFirstByteMs: 85, outputTokens: 42, tokensPerSecond: 31.25, maxInterTokenGapMs: 120 },
      },
      findable(run("good", "wnam", "healthz", false, at), 2),
    ]);
    await writeHistory(env.DB, [findable(run("good", "wnam", "healthz", false, at), 2)], []);
    const html = await (await get("/planes/good")).text();
    const latest = html.slice(html.indexOf('<h2 id="latest">'), html.indexOf('<h2 id="uptime">'));
    expect(latest).toContain('<th scope="col">Stream</th>');
    expect(latest).toContain("<td>first byte 85 ms · 42 tokens · 31.3 tokens/s · longest gap 120 ms</td>");
    expect(latest).toContain(`<code title="traceparent 00-${"a".repeat(31)}1-${"b".repeat(16)}-01">req-1</code></td>`);
    expect(latest).toContain('-01">req-2</code></td>');
    const failures = html.slice(html.indexOf('<h2 id="failures">'));
    expect(failures).toContain('req-2</code> <span class="muted">(attempt 2)</span>');
    // A plane whose probes read no stream has no Stream column.
    expect(await (await get("/planes/keyless")).text()).not.toContain('<th scope="col">Stream</th>');
  });
});

describe("badges", () => {
  it("draws status and uptime as cacheable SVG, and refuses an unknown window", async () => {
    const status = await get("/badges/broken/status.svg");
    expect(status.status).toBe(200);
    expect(status.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(status.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(await status.text()).toContain("NO_VALUE");
    const uptime = await get("/badges/broken/uptime.svg?window=7d");
    expect(await uptime.text()).toMatch(/uptime 7d: \d/);
    expect((await get("/badges/broken/uptime.svg?window=1y")).status).toBe(400);
    expect((await get("/badges/nope/status.svg")).status).toBe(404);
  });
});

describe("with API_READ_TOKEN set", () => {
  const call = (path: string, vars: Record<string, string>, headers: Record<string, string> = {}) =>
    worker.fetch(new Request(`http://mesh${path}`, { headers }), { ...env, API_READ_TOKEN: "reader", ...vars }, createExecutionContext());
  const basic = { authorization: `Basic ${btoa("anyone:reader")}` };

  it("asks a browser for the token by Basic authentication on every page, and the API takes it too", async () => {
    for (const path of ["/", "/planes/broken", "/badges/broken/status.svg"]) {
      const refused = await call(path, {});
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get("www-authenticate"), path).toContain('Basic realm="planewatch"');
      expect((await call(path, {}, basic)).status, path).toBe(200);
      expect((await call(path, {}, { authorization: `Basic ${btoa("anyone:wrong")}` })).status, path).toBe(401);
    }
    expect((await call("/api/v1/status", {}, basic)).status).toBe(200);
  });

  it("serves badges to anyone when PUBLIC_BADGES is true", async () => {
    const badge = await call("/badges/broken/status.svg", { PUBLIC_BADGES: "true" });
    expect(badge.status).toBe(200);
    expect(badge.headers.get("cache-control")).toContain("public");
    expect((await call("/", { PUBLIC_BADGES: "true" })).status).toBe(401);
  });
});
