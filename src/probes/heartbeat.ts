import { z } from "zod";
import { probeNameSchema, secretNameSchema } from "./common.ts";
import type { PushedKindSpec } from "./types.ts";

/**
 * A push probe: the watched thing (a Celery worker, a cron job) POSTs to
 * `/api/v1/heartbeats/{plane}/{probe}` with its token, and the mesh notices silence. It is the
 * edge form of a worker's liveness file. Not run from regions: the Plane object judges it.
 */
export const heartbeatProbeSchema = z
  .object({
    kind: z.literal("heartbeat"),
    name: probeNameSchema.optional().describe("Unique within the plane; defaults to the kind. The heartbeat URL names it."),
    critical: z.boolean().default(true).describe("A failing critical probe can fail the plane; a non-critical one only degrades it."),
    periodSeconds: z.number().int().min(1).max(86_400).default(60).describe("A heartbeat is expected at least this often."),
    graceSeconds: z.number().int().min(0).max(86_400).default(30).describe("Lateness tolerated before a missed heartbeat counts."),
    initialDelaySeconds: z.number().int().min(0).max(86_400).default(0).describe("Extra time before the first heartbeat is expected."),
    failureThreshold: z.number().int().min(1).max(100).default(1).describe("Consecutive missed deadlines that fail a passing probe."),
    successThreshold: z.number().int().min(1).max(100).default(1).describe("Consecutive beats that pass a failing probe."),
    tokenSecret: secretNameSchema.describe(
      "Name of the Worker secret holding the token senders present as `Authorization: Bearer <token>`.",
    ),
  })
  .strict();
export type HeartbeatProbe = z.infer<typeof heartbeatProbeSchema>;

export const heartbeat: PushedKindSpec<typeof heartbeatProbeSchema> = {
  kind: "heartbeat",
  pushed: true,
  summary:
    "Pushed, not probed: senders `POST /api/v1/heartbeats/{plane}/{probe}` with a bearer token; silence past `periodSeconds` + `graceSeconds` fails it.",
  schema: heartbeatProbeSchema,
  example: { kind: "heartbeat", name: "celery-beat", tokenSecret: "CELERY_HEARTBEAT_TOKEN", periodSeconds: 60 },
  check: (probe, plane) =>
    probe.periodSeconds + probe.graceSeconds > plane.statusTtlSeconds
      ? [
          [
            ["periodSeconds"],
            `periodSeconds + graceSeconds (${probe.periodSeconds + probe.graceSeconds} s) exceed the plane's statusTtlSeconds ` +
              `(${plane.statusTtlSeconds} s): the status would expire between heartbeats; raise statusTtlSeconds`,
          ],
        ]
      : [],
};
