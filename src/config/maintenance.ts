import { z } from "zod";
import { DEFAULT_FLAP_POLICY, type FlapPolicy } from "../status/flapping.ts";
import { scheduleProblem, WEEKDAYS, type MaintenanceWindow } from "../status/maintenance.ts";

const reason = z.string().min(1).max(200).describe("Why: shown on the API, the page and in the transitions history.");
const durationMinutes = z.number().int().min(1).max(10_080).describe("How long each occurrence lasts, in minutes (at most a week).");
const timezone = z.string().min(1).max(64).describe('IANA time zone the schedule is read in, e.g. "Europe/Berlin" or "UTC".');

/** Adds a problem at the field croner or Intl refuses. */
function checkSchedule(cron: string, zone: string, ctx: z.RefinementCtx): void {
  const problem = scheduleProblem(cron, zone);
  if (problem) ctx.addIssue({ code: "custom", path: [problem.field === "cron" ? "cron" : "timezone"], message: problem.message });
}

const onceSchema = z
  .object({
    start: z.iso.datetime({ offset: true }).describe("One-off window: when it starts (RFC 3339)."),
    end: z.iso.datetime({ offset: true }).describe("One-off window: when it ends (RFC 3339)."),
    reason,
  })
  .strict()
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { path: ["end"], message: "ends before it starts" });

const cronSchema = z
  .object({
    cron: z
      .string()
      .min(1)
      .max(100)
      .describe('Recurring window: when each occurrence starts, a five-field cron expression ("0 2 * * sun").'),
    durationMinutes,
    timezone,
    reason,
  })
  .strict()
  .superRefine((w, ctx) => checkSchedule(w.cron, w.timezone, ctx));

const weekdaysSchema = z
  .object({
    weekdays: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .refine((d) => new Set(d).size === d.length, "lists a day twice")
      .describe("Recurring window: the days it starts on."),
    time: z
      .string()
      .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'a local time "HH:MM"')
      .describe('Recurring window: the local time it starts at, "HH:MM".'),
    durationMinutes,
    timezone,
    reason,
  })
  .strict()
  .superRefine((w, ctx) => checkSchedule("0 0 * * *", w.timezone, ctx));

export const maintenanceSchema = z
  .array(z.union([onceSchema, cronSchema, weekdaysSchema]))
  .max(50)
  .describe(
    "Maintenance windows: probes run and the status is computed, but Sentry alerts wait for the window's end and uptime leaves the time out (docs/maintenance.md).",
  ) satisfies z.ZodType<MaintenanceWindow[]>;

export const flappingSchema = z
  .object({
    changes: z
      .number()
      .int()
      .min(2)
      .max(100)
      .describe(`Status changes that make the plane flap (more than this many; default ${DEFAULT_FLAP_POLICY.changes}).`),
    minutes: z.number().int().min(1).max(1440).describe(`Within this many minutes (default ${DEFAULT_FLAP_POLICY.minutes}).`),
  })
  .strict()
  .describe("Flap damping: a plane changing status this often is flagged flapping and alerts once (docs/maintenance.md).");

/** The plane's flap damping, its own or the default. */
export function flapPolicyOf(plane: { flapping?: FlapPolicy | undefined }): FlapPolicy {
  return plane.flapping ?? DEFAULT_FLAP_POLICY;
}
