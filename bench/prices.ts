/**
 * Cloudflare's published paid-plan prices, past what the plan includes, in dollars per unit.
 * Source: developers.cloudflare.com, pages workers/platform/pricing, durable-objects/platform/pricing
 * and d1/platform/pricing, as DESIGN.md section 4c records them (read 2026; checked 2026-12-06).
 * The one place the benchmark's dollars come from.
 */
export const PRICES_AS_OF = "2026-12-06";
export const PRICES_SOURCE = "developers.cloudflare.com/{workers,durable-objects,d1}/platform/pricing";

const PER_MILLION = 1e-6;

export const PRICES = {
  /** Every Worker invocation: fetch, and each cron trigger's scheduled event. */
  workerRequest: 0.3 * PER_MILLION,
  /** Every RPC call, fetch and alarm invocation of a Durable Object. */
  objectRequest: 0.15 * PER_MILLION,
  /** Wall-clock time while active, at 128 MB per object. */
  objectGbSecond: 12.5 * PER_MILLION,
  /** SQLite rows; each setAlarm() is billed as one row written. */
  objectRowWritten: 1 * PER_MILLION,
  objectRowRead: 0.001 * PER_MILLION,
  /** D1 rows; index updates count as rows written. */
  d1RowWritten: 1 * PER_MILLION,
  d1RowRead: 0.001 * PER_MILLION,
} as const;

/** The memory a Durable Object is billed for, in GB (128 MB). */
export const OBJECT_GB = 0.128;
