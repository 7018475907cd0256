/**
 * The 90-day uptime strip of a plane, pure: which day holds what, and which consecutive days
 * look alike so that the page draws them as one stretch. At 1,000 planes a strip of 90 separate
 * cells is 90,000 elements; most days of most planes are whole (every run passed), so the page
 * draws a stretch of whole days, or of days without runs, as one element and each other day alone.
 */

export const STRIP_DAYS = 90;
const DAY_MS = 86_400_000;

/** One plane's runs of one UTC day, all regions and probes together. */
export interface DayUptime {
  /** Start of the UTC day, epoch ms. */
  day: number;
  runs: number;
  successes: number;
  /** Failed runs by reason; may count fewer than runs − successes for days rolled up before reasons were kept. */
  failures: Record<string, number>;
  /** Runs taken in maintenance windows, left out of `runs`; absent when there were none. */
  maintenanceRuns?: number;
}

/** How a day looks on the strip: by share of runs that passed. */
export type DayLevel = "none" | "whole" | "high" | "partial" | "low";

export function dayLevel(d: { runs: number; successes: number }): DayLevel {
  if (d.runs === 0) return "none";
  if (d.successes === d.runs) return "whole";
  const share = d.successes / d.runs;
  return share >= 0.99 ? "high" : share >= 0.9 ? "partial" : "low";
}

/** Consecutive days of the strip drawn as one: `first` is the index of its first day (0 the oldest). */
export interface StripStretch {
  first: number;
  count: number;
  level: DayLevel;
  /** The day itself when the stretch is a single day with failures or maintenance; stretches of whole or empty days have none. */
  day: DayUptime | null;
}

/** The first day of a strip of STRIP_DAYS days ending with the day holding `through - 1`. */
export function stripStart(through: number): number {
  return Math.floor((through - 1) / DAY_MS) * DAY_MS - (STRIP_DAYS - 1) * DAY_MS;
}

/**
 * The strip from `start` (stripStart): days sorted by time, those outside the strip ignored.
 * Whole days and days without runs merge with their like neighbours, unless they had maintenance;
 * any other day is its own stretch.
 */
export function stripStretches(start: number, days: readonly DayUptime[]): StripStretch[] {
  const stretches: StripStretch[] = [];
  const push = (first: number, count: number, level: DayLevel, day: DayUptime | null) => {
    const last = stretches.at(-1);
    if (day === null && last && last.day === null && last.level === level && last.first + last.count === first) last.count += count;
    else stretches.push({ first, count, level, day });
  };
  let next = 0;
  for (const d of days) {
    const index = Math.round((d.day - start) / DAY_MS);
    if (index < next || index >= STRIP_DAYS) continue;
    if (index > next) push(next, index - next, "none", null);
    const level = dayLevel(d);
    push(index, 1, level, (level === "whole" || level === "none") && d.maintenanceRuns === undefined ? null : d);
    next = index + 1;
  }
  if (next < STRIP_DAYS) push(next, STRIP_DAYS - next, "none", null);
  return stretches;
}

/** Runs and passed runs of the days from `from` on (days sorted by time): a window of whole UTC days. */
export function runsSince(days: readonly DayUptime[], from: number): { runs: number; successes: number } {
  let runs = 0;
  let successes = 0;
  for (let i = days.length - 1; i >= 0 && days[i]!.day >= from; i--) {
    runs += days[i]!.runs;
    successes += days[i]!.successes;
  }
  return { runs, successes };
}

/** A share of runs as the page shows it: up to two decimals, cut rather than rounded, so never 100 % while a run failed. */
export function percent(successes: number, runs: number): string {
  if (runs === 0) return "no data";
  const hundredths = Math.floor((successes * 10_000) / runs);
  return `${hundredths % 100 === 0 ? hundredths / 100 : (hundredths / 100).toFixed(2)} %`;
}

/** Failed runs by reason, most first; runs the reasons do not account for are "reason not recorded". */
export function failuresByReason(d: DayUptime): Array<{ reason: string; failures: number }> {
  const listed = Object.entries(d.failures)
    .map(([reason, failures]) => ({ reason, failures }))
    .sort((a, b) => b.failures - a.failures || a.reason.localeCompare(b.reason));
  const unlisted = d.runs - d.successes - listed.reduce((n, f) => n + f.failures, 0);
  return unlisted > 0 ? [...listed, { reason: "reason not recorded", failures: unlisted }] : listed;
}
