import { z } from "@hono/zod-openapi";
import { PLANE_STATUSES } from "../../../status/model.ts";
import { UPTIME_WINDOWS } from "../../../storage/uptime.ts";

/**
 * The JSON API's shapes: handlers are typed by them, requests validated by them, and the
 * OpenAPI document at /api/v1/openapi.json is generated from them.
 */

const time = z.iso.datetime().openapi({ description: "RFC 3339, UTC", example: "2026-11-20T12:00:00.000Z" });

export const planeStatusSchema = z.enum(PLANE_STATUSES).openapi("PlaneStatus", {
  description: "OK, DEGRADED, FAILED, NO_USER, NO_ORACLE, or NO_VALUE once the status expired (see the runbook).",
});

export const streamFiguresSchema = z
  .object({
    timeToFirstByteMs: z.number().optional().openapi({ description: "From the request to the first byte of the body." }),
    timeToFirstTokenMs: z.number().optional().openapi({ description: "From the request to the first content token." }),
    outputTokens: z.number().optional().openapi({ description: "usage.completion_tokens, or the content chunks counted." }),
    tokensPerSecond: z.number().optional().openapi({ description: "Over the generation phase, from the first content chunk to the last." }),
    maxInterTokenGapMs: z.number().optional().openapi({ description: "The longest wait between two chunks after the first token." }),
  })
  .openapi("StreamFigures", {
    description: "What a streamed answer measured (chat_completions, streamed sync_predict); each figure only when measured.",
  });
/** What finds the counted attempt's requests in the plane's own logs; null when no region ran it (async verdicts, heartbeats). */
const requestFields = {
  traceparent: z.string().nullable().openapi({
    description: "The W3C traceparent its requests carried.",
    example: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  }),
  requestId: z
    .string()
    .nullable()
    .openapi({ description: "The X-Request-ID its requests carried.", example: "0f8b5c8e-2b8a-4c9e-9d5e-3c1f1a2b7d40" }),
};

export const latestResultSchema = z
  .object({
    kind: z.string().openapi({ example: "sync_predict" }),
    ok: z.boolean(),
    verdict: z.enum(["pass", "fail"]).openapi({ description: "After the probe's success and failure thresholds." }),
    reason: z.string().openapi({ example: "ok" }),
    latencyMs: z.number(),
    httpStatus: z.number().int().nullable(),
    message: z.string(),
    figures: streamFiguresSchema.optional(),
    ...requestFields,
    at: time,
  })
  .openapi("LatestResult", { description: "The latest result of one probe in one region, still within the status TTL." });

export const regionViewSchema = z
  .object({
    status: planeStatusSchema,
    probes: z.record(z.string(), latestResultSchema).openapi({ description: "By probe name." }),
  })
  .openapi("RegionView", { description: "One region's own verdict (without the quorum) and its latest results." });

export const maintenanceWindowSchema = z
  .object({
    from: time,
    until: time,
    reason: z.string(),
    source: z
      .enum(["config", "api"])
      .openapi({ description: "Declared in the config, or set through PUT /api/v1/planes/{id}/maintenance." }),
    setBy: z.string().nullable().openapi({ description: 'Who set an API window ("admin token"); null for a config window.' }),
  })
  .openapi("MaintenanceWindow", { description: "A maintenance window: probes run, alerts wait for its end, uptime leaves it out." });

export const maintenanceNoteSchema = maintenanceWindowSchema
  .extend({
    change: z
      .enum(["set", "ended"])
      .optional()
      .openapi({ description: "On the entry an API action leaves (from and to the same status): the window was set, or ended early." }),
  })
  .openapi("MaintenanceNote");

export const planeSummarySchema = z
  .object({
    id: z.string().openapi({ example: "us-east" }),
    name: z.string(),
    status: planeStatusSchema,
    since: time.nullable().openapi({ description: "When the plane entered its status; null if it never reported." }),
    expiresAt: time.nullable().openapi({ description: "When the status turns NO_VALUE unless a result arrives." }),
    quorum: z.number().int().openapi({ description: "Regions that must pass." }),
    maintenance: maintenanceWindowSchema.nullable().openapi({ description: "The maintenance window the plane is in, null outside any." }),
    flapping: z.boolean().openapi({ description: "The plane changes status too often to alert on each change (flap damping)." }),
    regions: z.record(z.string(), regionViewSchema).openapi({ description: "By region, in config order." }),
  })
  .openapi("PlaneSummary");

export const statusListSchema = z.object({ planes: z.array(planeSummarySchema) }).openapi("StatusList", {
  description:
    "Every configured plane, in config order. No time of its own (the `Date` header has it), so the ETag changes only with the planes.",
});

export const runbookSchema = z
  .object({
    summary: z.string(),
    meaning: z.string(),
    impact: z.string(),
    diagnosis: z.array(z.string()),
    mitigation: z.array(z.string()),
  })
  .openapi("Runbook", { description: "What the status means and what to do, from the workload plane runbook." });

export const failingProbeSchema = z.object({ region: z.string(), probe: z.string(), reason: z.string() }).openapi("FailingProbe");

export const transitionSchema = z
  .object({
    plane: z.string(),
    at: time,
    from: planeStatusSchema,
    to: planeStatusSchema,
    failing: z.array(failingProbeSchema).openapi({ description: "What failed at the time; empty when recovering." }),
    maintenance: maintenanceNoteSchema
      .nullable()
      .optional()
      .openapi({ description: "The window it happened in, or the window an API action set or ended; null outside any." }),
  })
  .openapi("Transition");

export const transitionRecordSchema = transitionSchema
  .extend({ id: z.number().int().openapi({ description: "Increases in the order transitions reached the history: the event id." }) })
  .openapi("TransitionRecord");

export const planeDetailSchema = planeSummarySchema
  .extend({
    runbook: runbookSchema,
    transitions: z.array(transitionSchema).openapi({ description: "The plane's most recent transitions, newest first." }),
  })
  .openapi("PlaneDetail");

export const historyResultSchema = z
  .object({
    at: time,
    region: z.string(),
    probe: z.string(),
    kind: z.string(),
    ok: z.boolean(),
    reason: z.string(),
    latencyMs: z.number(),
    httpStatus: z.number().int().nullable(),
    message: z.string(),
    ...requestFields,
    attempts: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Attempts the run took with fast retries; null when no region ran it (async verdicts, heartbeats)." }),
  })
  .openapi("HistoryResult");

const next = z
  .string()
  .nullable()
  .openapi({ description: "The URL of the next (older) page, with the same range and filters; null on the last page." });

export const historyPageSchema = z
  .object({ plane: z.string(), from: time, to: time, results: z.array(historyResultSchema), next })
  .openapi("HistoryPage", { description: "Results in [from, to), newest first." });

export const transitionPageSchema = z
  .object({ from: time, to: time, transitions: z.array(transitionRecordSchema), next })
  .openapi("TransitionPage", { description: "Transitions in [from, to), newest first." });

const runCountsSchema = z.object({
  runs: z.number().int(),
  successes: z.number().int(),
  ratio: z.number().min(0).max(1).nullable().openapi({ description: "successes / runs; null without runs." }),
});

export const uptimeSchema = z
  .object({
    plane: z.string(),
    windows: z.array(
      runCountsSchema.extend({
        window: z.enum(UPTIME_WINDOWS.map((w) => w.name)),
        from: time,
        to: time,
        probes: z.record(z.string(), runCountsSchema).openapi({ description: "By probe name." }),
      }),
    ),
  })
  .openapi("Uptime", {
    description:
      "Share of probe runs that succeeded, over 1 h, 24 h, 7 d and 30 d, all ending at the start of the current minute. Every run counts; a window starts at the top of the hour holding its start (`from`), and the current hour counts as far as it was written (every few minutes).",
  });

export const statusEventSchema = z
  .object({
    generatedAt: time,
    planes: z.array(z.object({ id: z.string(), status: planeStatusSchema, since: time.nullable() })),
  })
  .openapi("StatusEvent", { description: "data of the `status` event that opens every stream: the planes' current statuses." });

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: "about:blank" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export const invalidRequestProblemSchema = problemSchema
  .extend({ problems: z.array(z.object({ parameter: z.string(), message: z.string() })) })
  .openapi("InvalidRequestProblem");

export const invalidConfigProblemSchema = problemSchema
  .extend({ problems: z.array(z.object({ path: z.string(), message: z.string() })) })
  .openapi("InvalidConfigProblem");

/** The latest instant a date can show: the end of year 9999 (what `Date` can print as RFC 3339). */
const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A time given as an RFC 3339 string or as epoch milliseconds, between 1970 and the end of year 9999. */
const instant = z
  .union([
    z
      .string()
      .regex(/^\d{1,15}$/)
      .transform(Number),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  ])
  .refine((ms) => ms >= 0 && ms <= MAX_INSTANT_MS, "expected a time between 1970 and the end of year 9999")
  .openapi({ description: "RFC 3339 or epoch milliseconds", example: "2026-11-20T12:00:00Z" });

/** What a filter may name: plane ids, regions and probe names are all shorter. */
const name = z.string().max(200);

/** Cursors this API gives out are a few dozen characters; anything much longer is not one. */
const MAX_CURSOR_LENGTH = 512;
/** The most an API window may last: longer planned work belongs in the config. */
export const MAX_API_WINDOW_MS = 7 * 24 * 3_600_000;

export const maintenanceRequestSchema = z
  .object({
    until: z.iso.datetime({ offset: true }).openapi({ description: "When the window ends (RFC 3339): in the future, within 7 days." }),
    reason: z.string().min(1).max(200),
  })
  .strict()
  .openapi("MaintenanceRequest");

export const maintenanceAnswerSchema = z
  .object({
    plane: z.string(),
    maintenance: maintenanceWindowSchema
      .nullable()
      .openapi({ description: "The window the plane is in now (a config window may go on after DELETE)." }),
  })
  .openapi("MaintenanceAnswer");

export const planeParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "The plane's id", example: "us-east" }),
});

export const rangeQuerySchema = z.object({
  from: instant.optional().openapi({ description: "Start of the range (inclusive); default: `to` minus the endpoint's default span." }),
  to: instant.optional().openapi({ description: "End of the range (exclusive); default: now." }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: "Items per page." }),
  cursor: z.string().max(MAX_CURSOR_LENGTH).optional().openapi({ description: "Opaque: from the `next` URL of the previous page." }),
});

export const historyQuerySchema = rangeQuerySchema.extend({
  region: name.optional(),
  probe: name.optional(),
  outcome: z.enum(["success", "failure"]).optional(),
});

export const transitionsQuerySchema = rangeQuerySchema.extend({
  plane: name.optional().openapi({ description: "Only this plane's transitions." }),
});

export const eventsQuerySchema = z.object({
  plane: name.optional().openapi({ description: "Only this plane's status and transitions." }),
});

export const eventsHeadersSchema = z.object({
  "last-event-id": z
    .string()
    .regex(/^\d{1,15}$/, "expected the id of an event this stream sent")
    .optional()
    .openapi({ description: "Resume after this event: the stream sends every transition that arrived since." }),
});
