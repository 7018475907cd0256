import { Hono } from "hono";
import { z } from "zod";
import { planeName, policyOf, quorumOf } from "../config/schema.ts";
import { planeStub } from "../objects/stubs.ts";
import { evaluateRegion } from "../status/evaluate.ts";
import { RUNBOOK } from "../status/runbook.ts";
import { readResults, readTransitions } from "../storage/history.ts";
import { collectPlanes, viewOf, type PlaneView } from "./collect.ts";
import { requirePlane, requireValidConfig, type AppEnv } from "./config.ts";
import { problem } from "./problem.ts";

/** A plane as the API shows it: status, expiry, and per region the status and latest results. */
function planeJson(view: PlaneView, now: number) {
  const policy = policyOf(view.plane);
  const entries = view.fresh.map((r) => ({ region: r.region, probe: r.probe, at: r.at, state: r.state }));
  return {
    id: view.plane.id,
    name: planeName(view.plane),
    status: view.status,
    since: view.snapshot.since > 0 ? new Date(view.snapshot.since).toISOString() : null,
    expiresAt: view.snapshot.expiresAt === null ? null : new Date(view.snapshot.expiresAt).toISOString(),
    quorum: quorumOf(view.plane),
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
                  at: new Date(r.at).toISOString(),
                },
              ]),
          ),
        },
      ]),
    ),
  };
}

/** A time given as an RFC 3339 string or as epoch milliseconds. */
const instant = z.union([
  z.string().regex(/^\d+$/).transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const rangeQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const historyQuery = rangeQuery.extend({
  region: z.string().optional(),
  probe: z.string().optional(),
  outcome: z.enum(["success", "failure"]).optional(),
});

const HOUR_MS = 3_600_000;

export const api = new Hono<AppEnv>();

api.use("*", requireValidConfig);
api.use("/planes/:id", requirePlane);
api.use("/planes/:id/*", requirePlane);

api.get("/status", async (c) => {
  const now = Date.now();
  const views = await collectPlanes(c.env, c.get("config"), now);
  return c.json({ generatedAt: new Date(now).toISOString(), planes: views.map((v) => planeJson(v, now)) });
});

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>) {
  const parsed = schema.safeParse(query);
  if (parsed.success) return { ok: true as const, value: parsed.data as z.infer<T> };
  return {
    ok: false as const,
    problems: parsed.error.issues.map((i) => ({ parameter: i.path.join("."), message: i.message })),
  };
}

api.get("/planes/:id", async (c) => {
  const plane = c.get("plane");
  const now = Date.now();
  const { snapshot, transitions } = await planeStub(c.env, plane.id).detail(plane.id);
  const view = viewOf(plane, snapshot, now);
  return c.json({
    ...planeJson(view, now),
    runbook: RUNBOOK[view.status],
    transitions: transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() })),
  });
});

api.get("/planes/:id/history", async (c) => {
  const plane = c.get("plane");
  const q = parseQuery(historyQuery, c.req.query());
  if (!q.ok) return problem(c, 400, "Invalid query", "Some query parameters are invalid.", { problems: q.problems });
  const to = q.value.to ?? Date.now();
  const from = q.value.from ?? to - HOUR_MS;
  const results = await readResults(c.env.DB, {
    plane: plane.id,
    from,
    to,
    limit: q.value.limit,
    region: q.value.region,
    probe: q.value.probe,
    ok: q.value.outcome === undefined ? undefined : q.value.outcome === "success",
  });
  return c.json({
    plane: plane.id,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    results: results.map(({ plane: _, ...r }) => ({ ...r, at: new Date(r.at).toISOString() })),
  });
});

api.get("/planes/:id/transitions", async (c) => {
  const plane = c.get("plane");
  const q = parseQuery(rangeQuery, c.req.query());
  if (!q.ok) return problem(c, 400, "Invalid query", "Some query parameters are invalid.", { problems: q.problems });
  const to = q.value.to ?? Date.now();
  const from = q.value.from ?? to - 24 * HOUR_MS;
  const transitions = await readTransitions(c.env.DB, { plane: plane.id, from, to, limit: q.value.limit });
  return c.json({ plane: plane.id, transitions: transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() })) });
});
