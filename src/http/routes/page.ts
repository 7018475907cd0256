import { Hono } from "hono";
import { planeName } from "../../config/schema.ts";
import { planeStub } from "../../objects/stubs.ts";
import { overviewPage, type OverviewPlane, type UptimeCounts } from "../../render/page/overview.ts";
import { planePage } from "../../render/page/plane.ts";
import { viewOf } from "../../render/view.ts";
import type { PlaneStatus } from "../../status/model.ts";
import { RUNBOOK } from "../../status/runbook.ts";
import { stripStart } from "../../status/uptime_strip.ts";
import { PAGE_WINDOWS, readPlanesHistory, type PlanesHistory } from "../../storage/daily_uptime.ts";
import { readTransitions } from "../../storage/history.ts";
import { readPlaneHistory } from "../../storage/plane_history.ts";
import { DAY_MS } from "../../storage/rollup_plan.ts";
import { readRollupState } from "../../storage/rollups.ts";
import { requireBearer } from "../auth.ts";
import { collectPlanes } from "../collect.ts";
import { requirePlane, requireValidConfig, type AppEnv } from "../middleware.ts";
import { planeJson } from "./api/planes.ts";

/**
 * The status pages, rendered on the server: the overview `/` and each plane's `/planes/{id}`.
 * With API_READ_TOKEN set they want it like the API does; a browser is asked for it by Basic
 * authentication (any user name, the token as password) and sends it on with the pages' own
 * requests, so every page goes live whichever is opened first.
 */
export const page = new Hono<AppEnv>();

/** Longest filter text: it only ever matches plane names and ids. */
const MAX_QUERY = 200;
/** Transitions the incident timeline shows at most. */
const TIMELINE = 50;

page.use("/", requireBearer("API_READ_TOKEN"), requireValidConfig);
page.use("/planes/*", requireBearer("API_READ_TOKEN"), requireValidConfig);

const windowLabel = (name: string) => name.replace(/(\d+)/, "$1 ");

function windowsOf(history: PlanesHistory, plane: string): Array<{ label: string; counts: UptimeCounts | undefined }> {
  const counts = history.windows.get(plane);
  return PAGE_WINDOWS.map((w) => ({ label: windowLabel(w.name), counts: counts?.[w.name] }));
}

function regionsOf(json: { regions: Record<string, { status: PlaneStatus }> }) {
  return Object.entries(json.regions).map(([name, r]) => ({ name, status: r.status }));
}

page.get("/", async (c) => {
  const now = Date.now();
  const query = (c.req.query("q") ?? "").slice(0, MAX_QUERY);
  const [views, state] = await Promise.all([collectPlanes(c.env, c.get("config"), now), readRollupState(c.env.DB)]);
  const start = stripStart(Math.max(state.hourlyThrough, now));
  const history = await readPlanesHistory(c.env.DB, state, now, start);
  const planes: OverviewPlane[] = views.map((view) => {
    const json = planeJson(view, now);
    return {
      id: json.id,
      name: json.name,
      status: json.status,
      since: view.snapshot.since,
      regions: regionsOf(json),
      days: history.days.get(json.id) ?? [],
      windows: windowsOf(history, json.id),
    };
  });
  c.header("cache-control", "no-cache");
  return c.html(overviewPage({ planes, query, stripStart: start, through: history.through, now }));
});

page.get("/planes/:id", requirePlane, async (c) => {
  const plane = c.get("plane");
  const now = Date.now();
  const [detail, state] = await Promise.all([planeStub(c.env, plane.id).detail(plane.id), readRollupState(c.env.DB)]);
  const start = stripStart(Math.max(state.hourlyThrough, now));
  const [history, recent, transitions] = await Promise.all([
    readPlanesHistory(c.env.DB, state, now, start, plane.id),
    readPlaneHistory(c.env.DB, plane.id, { from: now - DAY_MS, now, hourlyThrough: state.hourlyThrough }),
    readTransitions(c.env.DB, { plane: plane.id, from: start, to: now + 1, limit: TIMELINE }),
  ]);
  const view = viewOf(plane, detail.snapshot, now);
  const json = planeJson(view, now);
  c.header("cache-control", "no-cache");
  return c.html(
    planePage({
      id: plane.id,
      name: planeName(plane),
      status: view.status,
      since: view.snapshot.since,
      regions: regionsOf(json),
      runbook: RUNBOOK[view.status],
      stripStart: start,
      days: history.days.get(plane.id) ?? [],
      windows: windowsOf(history, plane.id),
      ...recent,
      transitions,
      through: history.through,
      now,
    }),
  );
});
