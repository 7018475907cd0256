import { Hono } from "hono";
import { planeName, policyOf } from "../../config/schema.ts";
import { planeStub } from "../../objects/stubs.ts";
import { overviewPage, type OverviewPlane, type UptimeCounts } from "../../render/page/overview.ts";
import { planePage } from "../../render/page/plane.ts";
import { viewOf, type PlaneView } from "../../render/view.ts";
import { evaluateRegion } from "../../status/evaluate.ts";
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

/** Each region's own status, as the API gives it (planeJson), without building the rest of the plane's JSON. */
function regionsOf(view: PlaneView, now: number): Array<{ name: string; status: PlaneStatus }> {
  const policy = policyOf(view.plane);
  const entries = view.fresh.map((r) => ({ region: r.region, probe: r.probe, at: r.at, state: r.state }));
  return view.plane.regions.map((name) => ({ name, status: evaluateRegion(policy, entries, name, now) }));
}

page.get("/", async (c) => {
  const now = Date.now();
  const query = (c.req.query("q") ?? "").slice(0, MAX_QUERY);
  const [views, state] = await Promise.all([collectPlanes(c.env, c.get("config"), now), readRollupState(c.env.DB)]);
  const start = stripStart(now);
  const history = await readPlanesHistory(c.env.DB, state, now, start);
  const planes: OverviewPlane[] = views.map((view) => ({
    id: view.plane.id,
    name: planeName(view.plane),
    status: view.status,
    since: view.snapshot.since,
    maintenance: view.maintenance,
    flapping: view.flapping,
    regions: regionsOf(view, now),
    days: history.days.get(view.plane.id) ?? [],
    windows: windowsOf(history, view.plane.id),
  }));
  c.header("cache-control", "no-cache");
  return c.html(overviewPage({ planes, query, stripStart: start, through: history.through, now }));
});

page.get("/planes/:id", requirePlane, async (c) => {
  const plane = c.get("plane");
  const now = Date.now();
  const [detail, state] = await Promise.all([planeStub(c.env, plane.id).detail(plane.id), readRollupState(c.env.DB)]);
  const start = stripStart(now);
  const [history, recent, transitions] = await Promise.all([
    readPlanesHistory(c.env.DB, state, now, start, plane.id),
    readPlaneHistory(c.env.DB, plane.id, { from: now - DAY_MS, now }),
    readTransitions(c.env.DB, { plane: plane.id, from: start, to: now + 1, limit: TIMELINE }),
  ]);
  const view = viewOf(plane, detail.snapshot, now);
  c.header("cache-control", "no-cache");
  return c.html(
    planePage({
      id: plane.id,
      name: planeName(plane),
      status: view.status,
      since: view.snapshot.since,
      maintenance: view.maintenance,
      flapping: view.flapping,
      regions: regionsOf(view, now),
      latest: view.fresh,
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
