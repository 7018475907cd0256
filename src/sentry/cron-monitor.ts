import * as Sentry from "@sentry/cloudflare";
import { MAINTENANCE_CRON } from "../scheduler/cron.ts";

/** The Sentry Crons monitor of the mesh's own scheduler: Sentry raises an issue when it stops running. */
export const CRON_MONITOR_SLUG = "planewatch-cron";
/** The hourly history maintenance has its own monitor: one schedule per monitor. */
export const MAINTENANCE_MONITOR_SLUG = "planewatch-maintenance";
/** The trigger in wrangler.toml, for a run that does not say which one fired it. */
const DEFAULT_SCHEDULE = "* * * * *";
/** Minutes Sentry waits past the schedule before a missed run is an issue: one late tick is not an outage. */
const CHECKIN_MARGIN_MINUTES = 2;
/** Minutes a run may take before Sentry calls it timed out; a cron run is seconds of fan-out. */
const MAX_RUNTIME_MINUTES = 5;

/** Sent with the opening check-in, so the monitor is created, and kept in step with wrangler.toml, by the mesh itself. */
export function monitorConfig(schedule: string) {
  return {
    schedule: { type: "crontab" as const, value: schedule || DEFAULT_SCHEDULE },
    checkinMargin: CHECKIN_MARGIN_MINUTES,
    maxRuntime: MAX_RUNTIME_MINUTES,
    timezone: "Etc/UTC",
  };
}

/**
 * Runs one cron run between check-ins (the SDK's withMonitor): `in_progress` first, then `ok`,
 * or `error` (and the error goes on to the caller). Missing check-ins are how Sentry learns
 * the mesh stopped. Without a client (Sentry off) the check-ins go nowhere.
 */
export function withCronMonitor<T>(schedule: string, run: () => Promise<T>): Promise<T> {
  const monitorSlug = schedule === MAINTENANCE_CRON ? MAINTENANCE_MONITOR_SLUG : CRON_MONITOR_SLUG;
  return Sentry.withMonitor(monitorSlug, run, monitorConfig(schedule));
}
