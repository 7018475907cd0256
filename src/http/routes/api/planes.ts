import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import { planeName, policyOf, quorumOf } from "../../../config/schema.ts";
import { planeStub } from "../../../objects/stubs.ts";
import { evaluateRegion } from "../../../status/evaluate.ts";
import { RUNBOOK } from "../../../status/runbook.ts";
import { readUptime } from "../../../storage/uptime.ts";
import { viewOf, type PlaneView } from "../../../render/view.ts";
import { collectPlanes } from "../../collect.ts";
import { requirePlane, type AppEnv } from "../../middleware.ts";
import { cacheFor, errors, invalidRequest, iso, NOT_MODIFIED, READ_SECURITY, windowJson } from "./http.ts";
import { planeDetailSchema, planeParamsSchema, type planeSummarySchema, statusListSchema, uptimeSchema } from "./schemas.ts";

/** A plane as the API shows it: status, expiry, and per region the status and latest results. */
export function planeJson(view: PlaneView, now: number): z.infer<typeof planeSummarySchema> {
  const policy = policyOf(view.plane);
  const entries = view.fresh.map((r) => ({ region: r.region, probe: r.probe, at: r.at, state: r.state }));
  return {
    id: view.plane.id,
    name: planeName(view.plane),
    status: view.status,
    since: view.snapshot.since > 0 ? iso(view.snapshot.since) : null,
    expiresAt: view.snapshot.expiresAt === null ? null : iso(view.snapshot.expiresAt),
    quorum: quorumOf(view.plane),
    maintenance: windowJson(view.maintenance),
    flapping: view.flapping,
    regions: Object.fromEntries(
      view.plane.regions.map((region) => [
        region,
        {
          status: evaluateRegion(policy, entries, region, now),
          probes: Object.fromEntries(
            view.fresh
              .filter((r) => r.region === region)
              .map((r) => [
                r.probe,
                {
                  kind: r.kind,
                  ok: r.ok,
                  verdict: r.state.verdict,
                  reason: r.reason,
                  latencyMs: r.latencyMs,
                  httpStatus: r.httpStatus,
                  message: r.message,
                  ...(r.figures ? { figures: r.figures } : {}),
                  traceparent: r.traceparent ?? null,
                  requestId: r.requestId ?? null,
                  at: iso(r.at),
                },
              ]),
          ),
        },
      ]),
    ),
  };
}

const MINUTE_MS = 60_000;

const ratio = (c: { runs: number; successes: number }) => ({ ...c, ratio: c.runs === 0 ? null : c.successes / c.runs });

export const planes = new OpenAPIHono<AppEnv>({ defaultHook: invalidRequest });

planes.openapi(
  createRoute({
    method: "get",
    path: "/status",
    tags: ["Planes"],
    summary: "Status of every plane",
    description: "Every configured plane with its status and, per region, its latest results. Reads the Summary shards: no D1.",
    security: READ_SECURITY,
    middleware: [cacheFor("no-cache")] as const,
    responses: {
      200: { description: "Every plane, in config order.", content: { "application/json": { schema: statusListSchema } } },
      ...NOT_MODIFIED,
      ...errors(401, 503),
    },
  }),
  async (c) => {
    const now = Date.now();
    const views = await collectPlanes(c.env, c.get("config"), now);
    return c.json({ planes: views.map((v) => planeJson(v, now)) }, 200);
  },
);

planes.openapi(
  createRoute({
    method: "get",
    path: "/planes/{id}",
    tags: ["Planes"],
    summary: "One plane, with the runbook for its status",
    description:
      "Fresh from the plane's own object: per-region, per-probe latest results, the runbook text for the current status, and recent transitions.",
    security: READ_SECURITY,
    request: { params: planeParamsSchema },
    middleware: [requirePlane, cacheFor("no-cache")] as const,
    responses: {
      200: { description: "The plane.", content: { "application/json": { schema: planeDetailSchema } } },
      ...NOT_MODIFIED,
      ...errors(401, 404, 503),
    },
  }),
  async (c) => {
    const plane = c.get("plane");
    const now = Date.now();
    const { snapshot, transitions } = await planeStub(c.env, plane.id).detail(plane.id);
    const view = viewOf(plane, snapshot, now);
    return c.json(
      {
        ...planeJson(view, now),
        runbook: RUNBOOK[view.status],
        transitions: transitions.map((t) => ({ ...t, at: iso(t.at), maintenance: windowJson(t.maintenance) })),
      },
      200,
    );
  },
);

planes.openapi(
  createRoute({
    method: "get",
    path: "/planes/{id}/uptime",
    tags: ["History"],
    summary: "Uptime over 1 h, 24 h, 7 d and 30 d",
    description: "The share of the plane's probe runs that succeeded in each window, overall and per probe, from the history in D1.",
    security: READ_SECURITY,
    request: { params: planeParamsSchema },
    middleware: [requirePlane, cacheFor("max-age=60")] as const,
    responses: {
      200: { description: "One entry per window, shortest first.", content: { "application/json": { schema: uptimeSchema } } },
      ...NOT_MODIFIED,
      ...errors(401, 404, 503),
    },
  }),
  async (c) => {
    const plane = c.get("plane");
    // Windows end at a whole minute, so the answer (and its ETag) holds for the minute it is cached.
    const windows = await readUptime(c.env.DB, plane.id, Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
    return c.json(
      {
        plane: plane.id,
        windows: windows.map((w) => ({
          ...ratio(w),
          window: w.window,
          from: iso(w.from),
          to: iso(w.to),
          probes: Object.fromEntries(Object.entries(w.probes).map(([probe, counts]) => [probe, ratio(counts)])),
        })),
      },
      200,
    );
  },
);
