import { Hono } from "hono";
import { planeName } from "../../config/schema.ts";
import { planeStub } from "../../objects/stubs.ts";
import { statusBadge, uptimeBadge } from "../../render/badges.ts";
import { viewOf } from "../../render/view.ts";
import { percent } from "../../status/uptime_strip.ts";
import { PAGE_WINDOWS, readPlanesHistory } from "../../storage/daily_uptime.ts";
import { readRollupState } from "../../storage/rollups.ts";
import { requireBearer } from "../auth.ts";
import { problem } from "../problem.ts";
import type { AppEnv } from "../middleware.ts";
import { requirePlane, requireValidConfig } from "../middleware.ts";

/**
 * Shields-style badges of a plane: `/badges/{id}/status.svg` and
 * `/badges/{id}/uptime.svg?window=24h|7d|30d|90d`. They want the read token like the API,
 * unless PUBLIC_BADGES is "true" (a badge shows no more than a plane's name, status and uptime).
 */
export const badges = new Hono<AppEnv>();

badges.use("/badges/*", async (c, next) => {
  if (c.env.PUBLIC_BADGES === "true") return next();
  return requireBearer("API_READ_TOKEN")(c, next);
});
badges.use("/badges/*", requireValidConfig);

/** Badges are cached briefly; private when they needed the token. */
function cacheControl(isPublic: boolean, seconds: number): string {
  return `${isPublic ? "public" : "private"}, max-age=${seconds}`;
}

function svg(body: string, cache: string): Response {
  return new Response(body, { headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": cache } });
}

badges.get("/badges/:id/status.svg", requirePlane, async (c) => {
  const plane = c.get("plane");
  const now = Date.now();
  const { snapshot } = await planeStub(c.env, plane.id).detail(plane.id);
  return svg(statusBadge(planeName(plane), viewOf(plane, snapshot, now).status), cacheControl(c.env.PUBLIC_BADGES === "true", 30));
});

badges.get("/badges/:id/uptime.svg", requirePlane, async (c) => {
  const plane = c.get("plane");
  const name = c.req.query("window") ?? "30d";
  const window = PAGE_WINDOWS.find((w) => w.name === name);
  if (!window) {
    return problem(c, 400, "Invalid window", `window must be one of ${PAGE_WINDOWS.map((w) => w.name).join(", ")}.`);
  }
  const now = Date.now();
  const state = await readRollupState(c.env.DB);
  const history = await readPlanesHistory(c.env.DB, state, now, now, plane.id);
  const counts = history.windows.get(plane.id)?.[window.name] ?? { runs: 0, successes: 0 };
  const text = counts.runs === 0 ? "no data" : percent(counts.successes, counts.runs);
  return svg(uptimeBadge(`uptime ${window.name}`, counts, text), cacheControl(c.env.PUBLIC_BADGES === "true", 300));
});
