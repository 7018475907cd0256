import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { findPlane } from "../../../config/load.ts";
import { readResults, readTransitions, type TransitionRecord } from "../../../storage/history.ts";
import { requirePlane, unknownPlane, type AppEnv } from "../../middleware.ts";
import { problem } from "../../problem.ts";
import { cacheFor, errors, invalidRequest, iso, NOT_MODIFIED, READ_SECURITY, windowJson } from "./http.ts";
import { BAD_CURSOR, decodeCursor, pageOf, resultKeySchema, transitionKeySchema } from "./paging.ts";
import {
  historyPageSchema,
  historyQuerySchema,
  planeParamsSchema,
  rangeQuerySchema,
  transitionPageSchema,
  transitionsQuerySchema,
} from "./schemas.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The longest range one request reads, so that no query scans without end however the page
 * limit falls: raw results over 31 days (a month, past the default retention of 7), and
 * transitions (few, and kept as long as daily rollups) over 400 days. Longer spans are paged
 * by asking range after range.
 */
const MAX_SPAN_MS = { results: 31 * DAY_MS, transitions: 400 * DAY_MS } as const;

/** The range a request asks for, defaults filled in, or the 400 that says why it cannot have it. */
function rangeOf(c: Context<AppEnv>, q: { from?: number; to?: number }, defaultSpanMs: number, maxSpanMs: number) {
  const to = q.to ?? Date.now();
  const from = q.from ?? to - defaultSpanMs;
  const refuse = (message: string) =>
    problem(c, 400, "Invalid request", "Some parameters are invalid.", { problems: [{ parameter: "from", message }] });
  if (from > to) return refuse("`from` is after `to`");
  if (to - from > maxSpanMs) return refuse(`the range is longer than ${maxSpanMs / DAY_MS} days: ask for it a range at a time`);
  return { from, to };
}

export const transitionJson = (t: TransitionRecord) => ({ ...t, at: iso(t.at), maintenance: windowJson(t.maintenance) });

export const history = new OpenAPIHono<AppEnv>({ defaultHook: invalidRequest });

history.openapi(
  createRoute({
    method: "get",
    path: "/planes/{id}/history",
    tags: ["History"],
    summary: "Probe results of one plane",
    description:
      "Raw results from D1, newest first, in pages: follow `next`. Default range: the last hour. D1 keeps every failure, the first pass after one, and a pass every `rawPassSeconds` (the plane's config; 0 keeps every pass); the uptime counts every run.",
    security: READ_SECURITY,
    request: { params: planeParamsSchema, query: historyQuerySchema },
    middleware: [requirePlane, cacheFor("max-age=10")] as const,
    responses: {
      200: { description: "One page of results.", content: { "application/json": { schema: historyPageSchema } } },
      ...NOT_MODIFIED,
      ...errors(400, 401, 404, 503),
    },
  }),
  async (c) => {
    const plane = c.get("plane");
    const q = c.req.valid("query");
    const after = q.cursor === undefined ? undefined : decodeCursor(resultKeySchema, q.cursor);
    if (q.cursor !== undefined && after === undefined) return problem(c, 400, "Invalid request", "The cursor is not valid.", BAD_CURSOR);
    const range = rangeOf(c, q, HOUR_MS, MAX_SPAN_MS.results);
    if (range instanceof Response) return range;
    const { from, to } = range;
    const rows = await readResults(c.env.DB, {
      plane: plane.id,
      from,
      to,
      limit: q.limit + 1,
      region: q.region,
      probe: q.probe,
      ok: q.outcome === undefined ? undefined : q.outcome === "success",
      after,
    });
    const page = pageOf(c, rows, q.limit, { from, to }, (r) => [r.at, r.region, r.probe]);
    return c.json(
      {
        plane: plane.id,
        from: iso(from),
        to: iso(to),
        results: page.rows.map(({ plane: _, traceparent, requestId, attempts, ...r }) => ({
          ...r,
          traceparent: traceparent ?? null,
          requestId: requestId ?? null,
          attempts: attempts ?? null,
          at: iso(r.at),
        })),
        next: page.next,
      },
      200,
    );
  },
);

const transitionRoute = { method: "get" as const, tags: ["History"], security: READ_SECURITY };
const transitionResponses = {
  200: { description: "One page of transitions.", content: { "application/json": { schema: transitionPageSchema } } },
  ...NOT_MODIFIED,
  ...errors(400, 401, 404, 503),
};
const TRANSITIONS_DESCRIPTION = "Status changes from D1, newest first, in pages: follow `next`. Default range: the last 24 hours.";

/** One page of transitions, of one plane or of all. */
async function transitionPage(c: Context<AppEnv>, q: z.infer<typeof rangeQuerySchema>, plane: string | undefined) {
  const after = q.cursor === undefined ? undefined : decodeCursor(transitionKeySchema, q.cursor);
  if (q.cursor !== undefined && after === undefined) return problem(c, 400, "Invalid request", "The cursor is not valid.", BAD_CURSOR);
  const range = rangeOf(c, q, DAY_MS, MAX_SPAN_MS.transitions);
  if (range instanceof Response) return range;
  const { from, to } = range;
  const rows = await readTransitions(c.env.DB, { plane, from, to, limit: q.limit + 1, after });
  const page = pageOf(c, rows, q.limit, { from, to }, (t) => [t.at, t.id]);
  return c.json({ from: iso(from), to: iso(to), transitions: page.rows.map(transitionJson), next: page.next }, 200);
}

history.openapi(
  createRoute({
    ...transitionRoute,
    path: "/transitions",
    summary: "Transitions of every plane: the incidents",
    description: TRANSITIONS_DESCRIPTION,
    request: { query: transitionsQuerySchema },
    middleware: [cacheFor("max-age=10")] as const,
    responses: transitionResponses,
  }),
  (c) => {
    const q = c.req.valid("query");
    if (q.plane !== undefined && !findPlane(c.env, q.plane)) return unknownPlane(c, q.plane);
    return transitionPage(c, q, q.plane);
  },
);

history.openapi(
  createRoute({
    ...transitionRoute,
    path: "/planes/{id}/transitions",
    summary: "Transitions of one plane",
    description: TRANSITIONS_DESCRIPTION,
    request: { params: planeParamsSchema, query: rangeQuerySchema },
    middleware: [requirePlane, cacheFor("max-age=10")] as const,
    responses: transitionResponses,
  }),
  (c) => transitionPage(c, c.req.valid("query"), c.get("plane").id),
);
