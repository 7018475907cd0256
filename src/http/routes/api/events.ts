import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { findPlane } from "../../../config/load.ts";
import { lastTransitionId, transitionsSince } from "../../../storage/history.ts";
import { collectPlanes } from "../../collect.ts";
import { unknownPlane, type AppEnv } from "../../middleware.ts";
import { problem } from "../../problem.ts";
import { transitionJson } from "./history.ts";
import { errors, invalidRequest, iso, READ_SECURITY } from "./http.ts";
import { eventsHeadersSchema, eventsQuerySchema, type statusEventSchema } from "./schemas.ts";

/**
 * Each stream polls D1 for transitions newer than the last it sent (an indexed read that
 * usually finds nothing), and ends after EVENTS_STREAM_SECONDS with a `retry:` hint so that the
 * client reconnects and resumes with Last-Event-ID: at most 1 + lifetime / POLL_MS D1 queries
 * per connection, within the free plan's 50 per invocation at the default lifetime.
 */
const POLL_MS = 5_000;
const RETRY_MS = 3_000;

/**
 * Open streams in this isolate, and how many it takes (EVENTS_MAX_STREAMS): each holds a poll
 * loop, and a client that opens thousands must not starve the isolate's probes and scrapes.
 * A stream over the cap is a 503 with Retry-After; the client's reconnect lands on a free slot
 * or another isolate.
 */
let openStreams = 0;
const DEFAULT_MAX_STREAMS = 100;
const DEFAULT_STREAM_SECONDS = 180;

/** A positive whole number from a variable, within `max`; anything else reads as the default. */
function countVar(value: string | undefined, fallback: number, max: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}
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
      "`status` event already showed. The server ends each stream after EVENTS_STREAM_SECONDS (three minutes unless set)",
      "with `retry: 3000`; EventSource",
      "reconnects by itself with `Last-Event-ID` and gets every transition it missed, and only those. Comment lines keep",
      "idle connections open. Browsers' EventSource cannot send a read token: with API_READ_TOKEN set, use fetch().",
      "One isolate serves EVENTS_MAX_STREAMS streams at once (100 unless set); past that, a 503 with Retry-After.",
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
    const maxStreams = countVar(c.env.EVENTS_MAX_STREAMS, DEFAULT_MAX_STREAMS, 10_000);
    const lifetimeMs = countVar(c.env.EVENTS_STREAM_SECONDS, DEFAULT_STREAM_SECONDS, 3_600) * 1000;
    if (openStreams >= maxStreams) {
      c.header("retry-after", String(RETRY_MS / 1000));
      return problem(c, 503, "Too many event streams", `This isolate serves ${maxStreams} event streams at most; retry shortly.`, {
        bound: "EVENTS_MAX_STREAMS",
        limit: maxStreams,
      });
    }
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
    openStreams++;
    return streamSSE(
      c,
      async (stream) => {
        let closed = false;
        const close = () => {
          if (!closed) openStreams--;
          closed = true;
        };
        stream.onAbort(close);
        try {
          await stream.writeSSE({ event: "status", data: JSON.stringify(status), retry: RETRY_MS });
          const deadline = Date.now() + lifetimeMs;
          while (!stream.aborted && Date.now() < deadline) {
            const batch = await transitionsSince(c.env.DB, { afterId: last, plane, limit: BATCH });
            for (const t of batch) {
              await stream.writeSSE({ event: "transition", id: String(t.id), data: JSON.stringify(transitionJson(t)) });
              last = t.id;
            }
            if (batch.length === BATCH) continue;
            if (batch.length === 0) await stream.write(": no change\n\n");
            await stream.sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
          }
        } finally {
          close();
        }
      },
      async (error) => {
        // The client reconnects with Last-Event-ID and resumes where the stream broke off.
        console.error(`planewatch: event stream ended early: ${error.message}`);
      },
    );
  },
);
