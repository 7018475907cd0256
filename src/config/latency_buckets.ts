import { z } from "zod";

/**
 * Bounds of the probe latency histogram, in seconds: Prometheus clients' defaults, plus 30 s,
 * the default timeout of inference probes.
 */
export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Each (plane, region, probe) exports one series per bound: keep the number small. */
const MAX_BUCKETS = 30;

/** `LATENCY_BUCKETS`: comma-separated bounds in seconds, positive and strictly increasing. */
const latencyBucketsSchema = z
  .string()
  .transform((text) => text.split(",").map((part) => part.trim()))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^\d+(\.\d+)?(e[+-]?\d+)?$/i, "expected a number of seconds")
          .transform(Number)
          .pipe(z.number().positive().finite()),
      )
      .min(1)
      .max(MAX_BUCKETS, `at most ${MAX_BUCKETS} bounds`),
  )
  .refine((bounds) => bounds.every((b, i) => i === 0 || b > bounds[i - 1]!), "bounds must be strictly increasing");

export type LatencyBuckets = { ok: true; bounds: number[] } | { ok: false; problem: string };

/** The last variable read and what it gave: every result a Plane object records asks again. */
let cached: { raw: string | undefined; buckets: LatencyBuckets } | undefined;

/** The histogram bounds from `LATENCY_BUCKETS`, the defaults when it is unset, or why it is refused. */
export function latencyBuckets(raw: string | undefined): LatencyBuckets {
  if (!cached || cached.raw !== raw) cached = { raw, buckets: parseBuckets(raw) };
  return cached.buckets;
}

function parseBuckets(raw: string | undefined): LatencyBuckets {
  if (raw === undefined) return { ok: true, bounds: DEFAULT_LATENCY_BUCKETS };
  const parsed = latencyBucketsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, bounds: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? ` (bound ${Number(issue.path[0]) + 1})` : "";
  return { ok: false, problem: `LATENCY_BUCKETS "${raw}" is refused${where}: ${issue.message}` };
}
