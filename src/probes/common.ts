import { z } from "zod";
import { ROLES } from "../status/startup.ts";

/** Worker secrets are environment names; config refers to them, never to their values. */
export const secretNameSchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "must be the name of a Worker secret (upper case, digits, _), not its value");

export const probeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower case letters, digits, '-' and '_', at most 63 characters");

export interface TimingDefaults {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

/** Kubernetes' probe defaults, for health endpoints. */
export const KUBERNETES_TIMING: TimingDefaults = {
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
  successThreshold: 1,
};

/** Inference checks run once a minute (as the seed's beat task did) and count from the first failure. */
export const INFERENCE_TIMING: TimingDefaults = {
  periodSeconds: 60,
  timeoutSeconds: 30,
  failureThreshold: 1,
  successThreshold: 1,
};

/** Fields every probe kind has: identity, criticality, role and Kubernetes-style timing. */
export function probeFields(defaults: TimingDefaults) {
  return {
    name: probeNameSchema.optional().describe("Unique within the plane; defaults to the kind."),
    role: z.enum(ROLES).optional().describe("Kubernetes role: a startup probe gates the plane's other probes until it first succeeds."),
    critical: z.boolean().default(true).describe("A failing critical probe can fail the plane; a non-critical one only degrades it."),
    periodSeconds: z.number().int().min(1).max(3600).default(defaults.periodSeconds).describe("How often the probe runs from each region."),
    timeoutSeconds: z
      .number()
      .min(0.1)
      .max(120)
      .default(defaults.timeoutSeconds)
      .describe("How long one run may take before it fails with timeout."),
    initialDelaySeconds: z.number().int().min(0).max(86_400).default(0).describe("How long a region waits before the probe's first run."),
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(defaults.failureThreshold)
      .describe("Consecutive failures that turn a passing probe failing."),
    successThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(defaults.successThreshold)
      .describe("Consecutive successes that turn a failing probe passing."),
    retries: z
      .number()
      .int()
      .min(0)
      .max(MAX_RETRIES)
      .default(0)
      .describe("Fast retries: a failed run is tried again this many times within the same round, and only the last attempt counts."),
    retryDelaySeconds: z.number().min(0).max(60).default(1).describe("Pause between a failed attempt and the next one."),
  };
}

/** Fast retries absorb a blip, they do not hide an outage: a few at most. */
export const MAX_RETRIES = 3;

/** `expect.maxLatencyMs`, which every probed kind's `expect` has: a pass slower than this fails with reason slow. */
export const maxLatencyMsSchema = z
  .number()
  .int()
  .min(1)
  .max(3_600_000)
  .optional()
  .describe("A pass slower than this many milliseconds fails with reason slow (with critical: false, the plane reads DEGRADED).");

/** The `expect` of a kind that checks nothing of the reply beyond passing: only how fast it must pass. */
export const latencyExpectSchema = z.object({ maxLatencyMs: maxLatencyMsSchema }).strict().default({}).describe("How fast a pass must be.");
