/**
 * The status pages in a real Chromium against a real `wrangler dev`: history seeded into its
 * local D1 with known values, then checked against what is drawn; axe-core on both pages, in
 * light and dark; keyboard use; live updates without a reload, with the read token given by
 * Basic authentication to a plane page opened directly. Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localD1 } from "../../bench/common.ts";
import { freePort, ROOT, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { launchChromium } from "../support/browser.ts";
import { simulatorPlane } from "../support/config.ts";

const API_KEY = "e2e-demo-key";
const READ_TOKEN = "page-e2e-token";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ARTIFACTS = join(ROOT, "test-artifacts");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const ADMIN_TOKEN = "page-admin";
const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY) * DAY;
/** alpha's day at 50 %: 720 of 1,440 runs passed. */
const HALF_DAY = TODAY - 5 * DAY;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let mesh: RunningMesh;
let browser: Browser | undefined;
let persistDir: string;

/** Known history: 60 whole days of alpha, one at 50 %, hourly p50 40 ms / p95 90 ms, an incident of 2 h. */
function seed(dir: string): void {
  const db = localD1(dir);
  try {
    const hourlyThrough = Math.floor(NOW / HOUR) * HOUR;
    const insert = (sql: string, ...rows: unknown[][]) => {
      const statement = db.prepare(sql);
      for (const row of rows) statement.run(...(row as Array<string | number>));
    };
    insert("INSERT OR REPLACE INTO rollup_state (name, value) VALUES (?, ?)", ["hourly_through", hourlyThrough], ["daily_through", TODAY]);
    const days: unknown[][] = [];
    for (let d = TODAY - 60 * DAY; d < TODAY; d += DAY) {
      days.push(d === HALF_DAY ? ["alpha", d, 1440, 720, '{"timeout":700,"unexpected_status":20}'] : ["alpha", d, 1440, 1440, "{}"]);
      days.push(["beta", d, 1440, 1440, "{}"]);
    }
    insert("INSERT INTO planes_daily (plane, day, runs, successes, failures) VALUES (?, ?, ?, ?, ?)", ...days);
    const hours: unknown[][] = [];
    const latency: unknown[][] = [];
    for (let h = hourlyThrough - 24 * HOUR; h < hourlyThrough; h += HOUR) {
      // Every hour of the last 24, as the maintenance keeps them beside the days (35 days of
      // hours): in the first hour of a day, none of them is today's.
      hours.push(["alpha", h, 60, 60, "{}"]);
      for (const region of ["wnam", "weur", "apac"]) latency.push(["alpha", h, region, "sync_predict", 20, 20, 900, 120, 40, 90]);
    }
    insert("INSERT INTO planes_hourly (plane, hour, runs, successes, failures) VALUES (?, ?, ?, ?, ?)", ...hours);
    insert(
      `INSERT INTO results_hourly (plane, hour, region, probe, runs, successes, latency_sum_ms, latency_max_ms, latency_p50_ms, latency_p95_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...latency,
    );
    insert(
      "INSERT INTO transitions (plane, at, from_status, to_status, failing) VALUES (?, ?, ?, ?, ?)",
      ["alpha", NOW - 5 * HOUR, "OK", "FAILED", '[{"region":"weur","probe":"sync_predict","reason":"timeout"}]'],
      ["alpha", NOW - 3 * HOUR, "FAILED", "OK", "[]"],
    );
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  persistDir = mkdtempSync(join(tmpdir(), "planewatch-page-"));
  const simulatorPort = await freePort();
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  mesh = await startMesh({
    persistDir,
    simulatorPort,
    vars: {
      PLANES_CONFIG: JSON.stringify({ planes: ["alpha", "beta", "gamma"].map((id) => simulatorPlane(simulator, id)) }),
      DEMO_API_KEY: API_KEY,
      API_READ_TOKEN: READ_TOKEN,
      ADMIN_TOKEN,
    },
    simulatorVars: { SIM_API_KEY: API_KEY, SIM_FAULTS: JSON.stringify({ gamma: { status: 500 } }) },
  });
  seed(persistDir);
  await mesh.tick();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await mesh?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

/** A browser context that gives the read token by Basic authentication, as a person would in the browser's prompt. */
function withToken(colorScheme: "light" | "dark" = "light", width = 1200): Promise<BrowserContext> {
  return browser!.newContext({
    httpCredentials: { username: "on-call", password: READ_TOKEN },
    colorScheme,
    viewport: { width, height: 900 },
  });
}

/** Serious and critical findings of axe-core on the page as it is now. */
async function axeFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes.length})`);
}

describe("the status pages in Chromium", () => {
  it("draw the seeded history: a day at 50 % says so, every window, failing planes first", async (ctx) => {
    if (!browser) return ctx.skip("chromium is not installed");
    const context = await withToken();
    const page = await context.newPage();
    await page.goto(mesh.url);
    const alpha = page.locator('[data-plane="alpha"]');
    const titles = await alpha.locator(".strip title").allTextContents();
    expect(titles).toContain(`${day(HALF_DAY)}: 50 % up (720 of 1440 runs passed); failed: timeout 700, unexpected_status 20`);
    // The days after it passed every run, and so did today's hours rolled up so far: one stretch.
    expect(titles).toContainEqual(
      expect.stringMatching(new RegExp(`^${day(HALF_DAY + DAY)} to ${day(TODAY - DAY)}|${day(TODAY)}: 100 % up each day, no failed runs$`)),
    );
    // 30 days: 29 whole days and the one at 50 %, plus today's whole hours.
    expect(await alpha.locator(".windows").textContent()).toMatch(/24 h100 %7 d\d+\.\d+ %30 d98\.\d+ %90 d\d+\.\d+ %/);
    await page.locator('[data-plane="gamma"][data-status="FAILED"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("#planes > li").first().getAttribute("data-plane")).toBe("gamma");
    await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });
    expect(await axeFindings(page)).toEqual([]);
    await context.close();
  });

  it("a plane page shows the incident's duration, latency, runbook, and passes axe in dark mode too", async (ctx) => {
    if (!browser) return ctx.skip("chromium is not installed");
    for (const scheme of ["light", "dark"] as const) {
      const context = await withToken(scheme);
      const page = await context.newPage();
      await page.goto(`${mesh.url}/planes/alpha`);
      // The seeded incident (the mesh's own transitions of alpha come after it).
      const incident = page.locator('section[aria-labelledby="incidents"] tbody tr', { hasText: "weur / sync_predict: timeout" });
      expect(await incident.locator("[data-duration-ms]").getAttribute("data-duration-ms")).toBe(String(2 * HOUR));
      expect(await incident.textContent()).toContain("OK → FAILED");
      expect(await incident.locator("[data-duration-ms]").textContent()).toBe("2 h");
      expect(await page.locator("svg.chart").count()).toBe(3);
      expect(await page.locator('svg.chart[aria-label*="median hourly p50 40 ms, highest hourly p95 90 ms"]').count()).toBe(3);
      expect(await page.locator("#runbook h3").first().textContent()).toMatch(/^(OK|NO_VALUE|FAILED|DEGRADED): /);
      await page.screenshot({ path: join(ARTIFACTS, `plane-${scheme}.png`), fullPage: true });
      expect(await axeFindings(page), scheme).toEqual([]);
      if (scheme === "dark") {
        await page.goto(mesh.url);
        expect(await axeFindings(page), "overview, dark").toEqual([]);
      }
      await context.close();
    }
  });

  it("works from the keyboard and on a narrow screen: the filter box filters as one types", async (ctx) => {
    if (!browser) return ctx.skip("chromium is not installed");
    const context = await withToken("light", 380);
    const page = await context.newPage();
    await page.goto(mesh.url);
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").textContent()).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").getAttribute("id")).toBe("filter");
    await page.keyboard.type("bet");
    expect(await page.locator("#planes > li:not([hidden])").evaluateAll((items) => items.map((i) => i.getAttribute("data-plane")))).toEqual(
      ["beta"],
    );
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").getAttribute("href")).toBe("/planes/beta");
    await page.screenshot({ path: join(ARTIFACTS, "overview-narrow.png"), fullPage: true });
    await context.close();
  });

  it("goes live without a reload, on a plane page opened directly with the read token", async (ctx) => {
    if (!browser) return ctx.skip("chromium is not installed");
    const context = await withToken();
    const page = await context.newPage();
    await page.goto(`${mesh.url}/planes/beta`);
    // A mark on this document: it survives only if the page is never reloaded.
    await page.evaluate("globalThis.loadedOnce = true");
    const window = await fetch(`${mesh.url}/api/v1/planes/beta/maintenance`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ until: new Date(Date.now() + 2 * HOUR).toISOString(), reason: "driver upgrade" }),
    });
    expect(window.status).toBe(200);
    await fetch(`${mesh.simulatorUrl}/planes/beta/faults`, { method: "PUT", body: JSON.stringify({ status: 500 }) });
    await page.locator('main[data-status="FAILED"]').waitFor({ timeout: 90_000 });
    expect(await page.locator("#status").textContent()).toBe("FAILED");
    expect(await page.locator("#runbook h3").first().textContent()).toMatch(/^FAILED: /);
    // The window set after the page was rendered stands beside the status, from the same live update.
    expect(await page.locator("#notes .maintenance").textContent()).toMatch(
      /^in maintenance until \d{4}-\d\d-\d\d \d\d:\d\d UTC: driver upgrade$/,
    );
    expect(await axeFindings(page)).toEqual([]);
    expect(await page.evaluate("globalThis.loadedOnce")).toBe(true);
    await context.close();
  });

  it("without the token, a page asks for it with a Basic challenge", async () => {
    const res = await fetch(`${mesh.url}/planes/alpha`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('Basic realm="planewatch"');
  });
});
