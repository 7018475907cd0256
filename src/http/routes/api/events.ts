import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { findPlane } from "../../../config/load.ts";
import { lastTransitionId, transitionsSince } from "../../../storage/history.ts";
import { collectPlanes } from "../../collect.ts";
import { unknownPlane, type AppEnv } from "../../middleware.ts";
import { transitionJson } from "./history.ts";
import { errors, invalidRequest, iso, READ_SECURITY } from "./http.ts";
import { eventsHeadersSchema, eventsQuerySchema, type statusEventSchema } from "./schemas.ts";

/**
 * Each stream polls D1 for transitions newer than the last it sent (an indexed read that
 * usually finds nothing), and ends after a while with a `retry:` hint so that the client
 * reconnects and resumes with Last-Event-ID: at most 1 + STREAM_MS / POLL_MS D1 queries per
 * connection, within the free plan's 50 per invocation.
 */
const POLL_MS = 5_000;
const STREAM_MS = 180_000;
const RETRY_MS = 3_000;
/** Transitions sent per D1 read when a resuming client has many to catch up on. */
const BATCH = 100;

export const events = new OpenAPIHono<AppEnv>({ defaultHook: invalidRequest });

events.openapi(
  createRoute({
    method: "get",
    path: "/events",
    tags: ["Events"],
    summary: "Status transitions as they happen (Server-Sent Events)",
    description: [
      "The gRPC health `Watch` idea for HTTP consumers: the stream opens with a `status` event (the current status of",
      "every plane, data: `StatusEvent`, no id), then sends a `transition` event (data: `TransitionRecord`, id: its `id`)",
      "for every status change that reaches the history, a few seconds after it happens. A transition may repeat what the",
      "`status` event already showed. The server ends each stream after three minutes with `retry: 3000`; EventSource",
      "reconnects by itself with `Last-Event-ID` and gets every transition it missed, and only those. Comment lines keep",
      "idle connections open. Browsers' EventSource cannot send a read token: with API_READ_TOKEN set, use fetch().",
    ].join(" "),
    security: READ_SECURITY,
    request: { query: eventsQuerySchema, headers: eventsHeadersSchema },
    responses: {
      200: {
        description: "A text/event-stream of `status` and `transition` events.",
        content: {
          "text/event-stream": {
            schema: z
              .string()
              .openapi({ example: 'event: transition\nid: 42\ndata: {"id":42,"plane":"us-east","from":"OK","to":"FAILED",…}\n\n' }),
          },
        },
      },
      ...errors(400, 401, 404, 503),
    },
  }),
  async (c) => {
    const { plane } = c.req.valid("query");
    const config = c.get("config");
    if (plane !== undefined && !findPlane(c.env, plane)) return unknownPlane(c, plane);
    const resumeAfter = c.req.valid("header")["last-event-id"];
    let last = resumeAfter === undefined ? await lastTransitionId(c.env.DB) : Number(resumeAfter);
    const now = Date.now();
    const views = (await collectPlanes(c.env, config, now)).filter((v) => plane === undefined || v.plane.id === plane);
    const status: z.infer<typeof statusEventSchema> = {
      generatedAt: iso(now),
      planes: views.map((v) => ({ id: v.plane.id, status: v.status, since: v.snapshot.since > 0 ? iso(v.snapshot.since) : null })),
    };
    return streamSSE(
      c,
      async (stream) => {
        await stream.writeSSE({ event: "status", data: JSON.stringify(status), retry: RETRY_MS });
        const deadline = Date.now() + STREAM_MS;
        while (!stream.aborted && Date.now() < deadline) {
          const batch = await transitionsSince(c.env.DB, { afterId: last, plane, limit: BATCH });
          for (const t of batch) {
            await stream.writeSSE({ event: "transition", id: String(t.id), data: JSON.stringify(transitionJson(t)) });
            last = t.id;
          }
          if (batch.length === BATCH) continue;
          if (batch.length === 0) await stream.write(": no change\n\n");
          await stream.sleep(POLL_MS);
        }
      },
      async (error) => {
        // The client reconnects with Last-Event-ID and resumes where the stream broke off.
        console.error(`planewatch: event stream ended early: ${error.message}`);
      },
    );
  },
);
