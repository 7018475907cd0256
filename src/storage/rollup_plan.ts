/**
 * The arithmetic of history retention, pure: which hours and days the maintenance job rolls
 * up, how long each table keeps its rows, and which table answers which part of an uptime
 * window. src/storage/rollups.ts applies it to D1.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function floorTo(t: number, unit: number): number {
  return Math.floor(t / unit) * unit;
}

export function ceilTo(t: number, unit: number): number {
  return Math.ceil(t / unit) * unit;
}

/**
 * How far each table is complete, kept in D1's `rollup_state` (0 where nothing happened yet).
 * The job moves these forward in the same batch as the rows they describe, so a reader never
 * sees rows and marks that disagree.
 */
export interface RollupState {
  /** Every hour before this is in `results_hourly`. */
  hourlyThrough: number;
  /** Every day before this is in `results_daily`. */
  dailyThrough: number;
  /** Raw results before this were pruned; from here on `results` is whole. */
  rawFrom: number;
  /** Hourly rollups before this were pruned. */
  hourlyFrom: number;
  /** Daily rollups before this were pruned. */
  dailyFrom: number;
}

export const EMPTY_ROLLUP_STATE: RollupState = { hourlyThrough: 0, dailyThrough: 0, rawFrom: 0, hourlyFrom: 0, dailyFrom: 0 };

/** Days each table keeps its rows. */
export interface Retention {
  rawDays: number;
  hourlyDays: number;
  dailyDays: number;
}

export const DEFAULT_RETENTION: Retention = { rawDays: 7, hourlyDays: 35, dailyDays: 400 };

/** The variables that set the retention, each with its accepted range. */
const RETENTION_VARS = {
  RESULTS_RETENTION_DAYS: { field: "rawDays", min: 1, max: 365 },
  HOURLY_RETENTION_DAYS: { field: "hourlyDays", min: 1, max: 3_650 },
  // The 30-day uptime window reads daily rollups: they must outlive it.
  DAILY_RETENTION_DAYS: { field: "dailyDays", min: 31, max: 36_500 },
} as const satisfies Record<string, { field: keyof Retention; min: number; max: number }>;

export type RetentionVars = Partial<Record<keyof typeof RETENTION_VARS, string>>;

/**
 * Reads the retention variables. A value that is set but not a whole number of days within
 * range is refused with a reason, never replaced by the default: pruning on a misread setting
 * would delete history the operator meant to keep.
 */
export function parseRetention(vars: RetentionVars): { ok: true; retention: Retention } | { ok: false; problems: string[] } {
  const retention = { ...DEFAULT_RETENTION };
  const problems: string[] = [];
  for (const [name, { field, min, max }] of Object.entries(RETENTION_VARS)) {
    const raw = vars[name as keyof RetentionVars];
    if (raw === undefined || raw.trim() === "") continue;
    const days = Number(raw);
    if (!Number.isInteger(days) || days < min || days > max) {
      problems.push(`${name} must be a whole number of days from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      continue;
    }
    retention[field] = days;
  }
  return problems.length === 0 ? { ok: true, retention } : { ok: false, problems };
}

/**
 * Results may reach D1 late (a Plane object's outbox holds them while D1 is down): each run
 * rolls the last hours up again, so results up to this late are still counted.
 */
export const LATE_RESULTS_HOURS = 2;

/**
 * Where a run starts rolling hours: the last LATE_RESULTS_HOURS again, but never an hour
 * whose raw results were partly pruned (that would replace its rollup with part of it).
 */
export function hourRollupStart(state: RollupState): number {
  return Math.max(state.hourlyThrough - LATE_RESULTS_HOURS * HOUR_MS, ceilTo(state.rawFrom, HOUR_MS), 0);
}

/**
 * Where a run starts rolling days: the first day not rolled up yet, or the day of the first
 * hour this run rolled (again), whichever is earlier; never a day whose hours were pruned.
 */
export function dayRollupStart(state: RollupState, firstHourRolled: number | null): number {
  const start = firstHourRolled === null ? state.dailyThrough : Math.min(state.dailyThrough, floorTo(firstHourRolled, DAY_MS));
  return Math.max(start, ceilTo(state.hourlyFrom, DAY_MS));
}

/**
 * The next hour (unit HOUR_MS) or day (DAY_MS) to roll up: the one holding `firstRow`, the
 * first row at or after the cursor, if that period is complete before `completeBefore`. Going
 * from row to row, a run skips the stretches without results (a stopped mesh) instead of
 * walking them. Null when nothing is left to roll up.
 */
export function nextPeriod(firstRow: number | null, unit: number, completeBefore: number): number | null {
  if (firstRow === null) return null;
  const period = floorTo(firstRow, unit);
  return period + unit <= completeBefore ? period : null;
}

/** Where each table's pruning stops at `now`: never past what has been rolled up into the next. */
export function pruneCutoffs(state: RollupState, retention: Retention, now: number): { raw: number; hourly: number; daily: number } {
  return {
    raw: Math.min(floorTo(now - retention.rawDays * DAY_MS, HOUR_MS), state.hourlyThrough),
    hourly: Math.min(floorTo(now - retention.hourlyDays * DAY_MS, DAY_MS), state.dailyThrough),
    daily: floorTo(now - retention.dailyDays * DAY_MS, DAY_MS),
  };
}

export type UptimeSource = "hourly" | "daily";

export interface UptimeSegment {
  source: UptimeSource;
  from: number;
  to: number;
}

/**
 * Which table answers which part of [from, to): whole days from `results_daily`, the other
 * hours from `results_hourly`, the current one as far as the Plane objects have written it.
 * Hours are whole: the answer starts at the top of the hour holding `from`, or at the first hour
 * whose rollups were not pruned, and `from` says where.
 */
export function planUptime(window: { from: number; to: number }, state: RollupState): { from: number; segments: UptimeSegment[] } {
  const segments: UptimeSegment[] = [];
  const add = (source: UptimeSource, from: number, to: number) => {
    const last = segments.at(-1);
    if (last && last.source === source && last.to === from) last.to = to;
    else segments.push({ source, from, to });
  };
  let t = floorTo(window.from, HOUR_MS);
  while (t < window.to) {
    if (t % DAY_MS === 0 && t + DAY_MS <= Math.min(window.to, state.dailyThrough) && t >= state.dailyFrom) {
      add("daily", t, t + DAY_MS);
      t += DAY_MS;
    } else {
      if (t >= state.hourlyFrom) add("hourly", t, t + HOUR_MS);
      t += HOUR_MS;
    }
  }
  return { from: segments[0]?.from ?? window.to, segments };
}
