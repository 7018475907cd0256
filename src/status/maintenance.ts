import { Cron } from "croner";

/** Days of the week as recurring windows name them; croner numbers them from Sunday = 0. */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A maintenance window as the config declares it: once (`start`, `end`: RFC 3339), or
 * recurring, from a cron expression or from weekdays and a local time, each lasting
 * `durationMinutes`, read in an IANA time zone.
 */
export type MaintenanceWindow =
  | { start: string; end: string; reason: string }
  | { cron: string; durationMinutes: number; timezone: string; reason: string }
  | { weekdays: Weekday[]; time: string; durationMinutes: number; timezone: string; reason: string };

/**
 * What the history says of maintenance: on a transition, the window it happened in; on the
 * entry an API action leaves (from and to the same status), `change` says the window was set
 * or ended early, and by whom.
 */
export type MaintenanceNote = ActiveMaintenance & { change?: "set" | "ended" };

/** A window set through the API, kept by the Plane object: from when, until when, and who set it. */
export interface RuntimeWindow {
  setAt: number;
  until: number;
  reason: string;
  setBy: string;
}

/** The window a plane is in now: its bounds, why, and where it comes from. */
export interface ActiveMaintenance {
  from: number;
  until: number;
  reason: string;
  source: "config" | "api";
  /** Who set an API window; null for a config window. */
  setBy: string | null;
}

/** The cron expression of a weekdays-and-time window: `time` is "HH:MM". */
export function weekdaysCron(weekdays: readonly Weekday[], time: string): string {
  const [hours, minutes] = time.split(":").map(Number);
  return `${minutes} ${hours} * * ${weekdays.map((d) => WEEKDAYS.indexOf(d)).join(",")}`;
}

const schedules = new Map<string, Cron>();

/** The schedule of a recurring window, built once per (expression, zone): croner parses on construction. */
function scheduleOf(cron: string, timezone: string): Cron {
  const key = `${timezone} ${cron}`;
  let schedule = schedules.get(key);
  if (!schedule) {
    schedule = new Cron(cron, { timezone, paused: true, mode: "5-part" });
    schedules.set(key, schedule);
  }
  return schedule;
}

/** Why a cron expression or a time zone cannot be used, or null when it can: config validation asks. */
export function scheduleProblem(cron: string, timezone: string): { field: "cron" | "timezone"; message: string } | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    return { field: "timezone", message: `"${timezone}" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")` };
  }
  try {
    new Cron(cron, { timezone, paused: true, mode: "5-part" }).nextRun();
  } catch (error) {
    return { field: "cron", message: `not a cron expression of five fields: ${(error as Error).message}` };
  }
  return null;
}

type Recurring = { cron: string; durationMs: number; timezone: string; reason: string };

function recurringOf(window: MaintenanceWindow): Recurring | null {
  if ("cron" in window) return { ...window, durationMs: window.durationMinutes * 60_000 };
  if ("weekdays" in window)
    return { ...window, cron: weekdaysCron(window.weekdays, window.time), durationMs: window.durationMinutes * 60_000 };
  return null;
}

/**
 * The latest start of a recurring window at or before `now`. croner drops milliseconds and
 * looks strictly before its reference, so the reference is the next whole second.
 */
function lastStart(recurring: Recurring, now: number): number | null {
  const reference = new Date(Math.floor(now / 1000) * 1000 + 1000);
  const start = scheduleOf(recurring.cron, recurring.timezone).previousRuns(1, reference)[0]?.getTime();
  return start !== undefined && start <= now ? start : null;
}

/** The occurrence of one window that holds `now`, if any. */
function occurrenceAt(window: MaintenanceWindow, now: number): ActiveMaintenance | null {
  const recurring = recurringOf(window);
  if (!recurring) {
    const from = Date.parse((window as { start: string }).start);
    const until = Date.parse((window as { end: string }).end);
    return from <= now && now < until ? { from, until, reason: window.reason, source: "config", setBy: null } : null;
  }
  // Every occurrence lasts as long, so the latest start is the one that ends last.
  const from = lastStart(recurring, now);
  if (from === null || now >= from + recurring.durationMs) return null;
  return { from, until: from + recurring.durationMs, reason: recurring.reason, source: "config", setBy: null };
}

/**
 * The maintenance window a plane is in at `now`: of the config's windows and the one set
 * through the API, the one that lasts longest among those open. Null outside any window.
 */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[],
  runtime: RuntimeWindow | null,
  now: number,
): ActiveMaintenance | null {
  const open: ActiveMaintenance[] = windows.flatMap((w) => occurrenceAt(w, now) ?? []);
  if (runtime && runtime.setAt <= now && now < runtime.until) {
    open.push({ from: runtime.setAt, until: runtime.until, reason: runtime.reason, source: "api", setBy: runtime.setBy });
  }
  return open.reduce<ActiveMaintenance | null>((longest, w) => (longest === null || w.until > longest.until ? w : longest), null);
}

/**
 * The first time after `now` at which a window opens or closes: the Plane object's alarm
 * wakes then, so the status, the metrics and the held alerts follow the windows without a
 * probe result. Infinity when no window will ever change.
 */
export function nextMaintenanceChange(windows: readonly MaintenanceWindow[], runtime: RuntimeWindow | null, now: number): number {
  const times: number[] = [];
  for (const window of windows) {
    const recurring = recurringOf(window);
    if (!recurring) {
      times.push(Date.parse((window as { start: string }).start), Date.parse((window as { end: string }).end));
      continue;
    }
    const next = scheduleOf(recurring.cron, recurring.timezone).nextRun(new Date(now))?.getTime();
    if (next !== undefined) times.push(next);
    const from = lastStart(recurring, now);
    if (from !== null) times.push(from + recurring.durationMs);
  }
  if (runtime) times.push(runtime.until);
  return Math.min(Infinity, ...times.filter((t) => t > now));
}
