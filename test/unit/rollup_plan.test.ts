import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DEFAULT_RETENTION,
  EMPTY_ROLLUP_STATE,
  dayRollupStart,
  hourRollupStart,
  HOUR_MS,
  LATE_RESULTS_HOURS,
  nextPeriod,
  parseRetention,
  planUptime,
  pruneCutoffs,
  type RollupState,
  type UptimeSegment,
} from "../../src/storage/rollup_plan.ts";

const MINUTE_MS = 60_000;
const DAY0 = Date.UTC(2030, 0, 10);
const at = (day: number, hour: number, minute = 0) => DAY0 + day * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
const state = (s: Partial<RollupState>): RollupState => ({ ...EMPTY_ROLLUP_STATE, ...s });

describe("retention settings", () => {
  it("defaults to 7 days of raw results, 35 of hourly and 400 of daily rollups", () => {
    expect(parseRetention({})).toEqual({ ok: true, retention: DEFAULT_RETENTION });
    expect(DEFAULT_RETENTION).toEqual({ rawDays: 7, hourlyDays: 35, dailyDays: 400 });
  });

  it("takes whole numbers of days within range", () => {
    expect(parseRetention({ RESULTS_RETENTION_DAYS: "2", HOURLY_RETENTION_DAYS: "60", DAILY_RETENTION_DAYS: "31" })).toEqual({
      ok: true,
      retention: { rawDays: 2, hourlyDays: 60, dailyDays: 31 },
    });
  });

  it("refuses a value it cannot read, naming the variable, instead of pruning by a default", () => {
    const parsed = parseRetention({ RESULTS_RETENTION_DAYS: "7d", HOURLY_RETENTION_DAYS: "0", DAILY_RETENTION_DAYS: "30" });
    expect(parsed).toEqual({
      ok: false,
      problems: [
        'RESULTS_RETENTION_DAYS must be a whole number of days from 1 to 365, got "7d"',
        'HOURLY_RETENTION_DAYS must be a whole number of days from 1 to 3650, got "0"',
        'DAILY_RETENTION_DAYS must be a whole number of days from 31 to 36500, got "30"',
      ],
    });
    expect(parseRetention({ RESULTS_RETENTION_DAYS: "1.5" }).ok).toBe(false);
  });
});

describe("planning rollups", () => {
  it("starts rolling hours at the last two again, or at the start when nothing is rolled up", () => {
    expect(LATE_RESULTS_HOURS).toBe(2);
    expect(hourRollupStart(EMPTY_ROLLUP_STATE)).toBe(0);
    expect(hourRollupStart(state({ hourlyThrough: at(2, 11) }))).toBe(at(2, 9));
  });

  it("never rolls an hour whose raw results were partly pruned, nor a day whose hours were", () => {
    expect(hourRollupStart(state({ hourlyThrough: at(2, 11), rawFrom: at(2, 9, 30) }))).toBe(at(2, 10));
    expect(dayRollupStart(state({ dailyThrough: at(3, 0), hourlyFrom: at(1, 5) }), at(1, 22))).toBe(at(2, 0));
  });

  it("rolls a day again when one of its hours was rolled again, else starts at the first day not rolled", () => {
    expect(dayRollupStart(state({ dailyThrough: at(3, 0) }), at(2, 22))).toBe(at(2, 0));
    expect(dayRollupStart(state({ dailyThrough: at(3, 0) }), at(3, 5))).toBe(at(3, 0));
    expect(dayRollupStart(state({ dailyThrough: at(3, 0) }), null)).toBe(at(3, 0));
  });

  it("goes to the period of the next row, if that period is complete", () => {
    expect(nextPeriod(null, HOUR_MS, at(5, 0))).toBeNull();
    expect(nextPeriod(at(2, 9, 35), HOUR_MS, at(2, 12))).toBe(at(2, 9));
    // A row weeks after the cursor: the stretch between holds nothing and is skipped.
    expect(nextPeriod(at(30, 10, 5), HOUR_MS, at(30, 12))).toBe(at(30, 10));
    expect(nextPeriod(at(2, 11, 59), HOUR_MS, at(2, 12))).toBe(at(2, 11));
    expect(nextPeriod(at(2, 12, 0), HOUR_MS, at(2, 12))).toBeNull();
    expect(nextPeriod(at(2, 5), DAY_MS, at(3, 0))).toBe(at(2, 0));
    expect(nextPeriod(at(3, 5), DAY_MS, at(3, 12))).toBeNull();
  });

  it("prunes each table to its retention, never past what the next table holds", () => {
    const now = at(40, 12, 17);
    const rolled = state({ hourlyThrough: at(40, 12), dailyThrough: at(40, 0) });
    expect(pruneCutoffs(rolled, DEFAULT_RETENTION, now)).toEqual({ raw: at(33, 12), hourly: at(5, 0), daily: at(40 - 400, 0) });
    const behind = state({ hourlyThrough: at(30, 0), dailyThrough: at(2, 0) });
    expect(pruneCutoffs(behind, DEFAULT_RETENTION, now)).toMatchObject({ raw: at(30, 0), hourly: at(2, 0) });
  });
});

/**
 * A model of the history: one result a minute up to `end`, every `failEvery`-th a failure, and
 * the rollup tables as the state says they are (hourly rows written by the Plane objects as the
 * hour goes). Counting a plan's segments on it must give exactly what counting the minutes of
 * [plan.from, end) gives.
 */
function countModel(segments: UptimeSegment[], s: RollupState, end: number, failEvery: number): { runs: number; successes: number } {
  let runs = 0;
  let successes = 0;
  for (const seg of segments) {
    // Each table is read only where it is kept, days only where they were rolled up.
    if (seg.source === "hourly") expect(seg.from).toBeGreaterThanOrEqual(s.hourlyFrom);
    if (seg.source === "daily") expect(seg.from >= s.dailyFrom && seg.to <= s.dailyThrough).toBe(true);
    for (let m = seg.from; m < Math.min(seg.to, end); m += MINUTE_MS) {
      runs++;
      if ((m / MINUTE_MS) % failEvery !== 0) successes++;
    }
  }
  return { runs, successes };
}

function countMinutes(from: number, to: number, failEvery: number): { runs: number; successes: number } {
  let runs = 0;
  let successes = 0;
  for (let m = Math.ceil(from / MINUTE_MS) * MINUTE_MS; m < to; m += MINUTE_MS) {
    runs++;
    if ((m / MINUTE_MS) % failEvery !== 0) successes++;
  }
  return { runs, successes };
}

describe("planning an uptime query", () => {
  const now = at(40, 12, 30);
  const steady = state({
    hourlyThrough: at(40, 12),
    dailyThrough: at(40, 0),
    rawFrom: at(33, 12),
    hourlyFrom: at(5, 0),
    dailyFrom: at(40 - 400, 0),
  });

  it("reads hours alone before any day was rolled up", () => {
    expect(planUptime({ from: now - 30 * DAY_MS, to: now }, EMPTY_ROLLUP_STATE)).toEqual({
      from: at(10, 12),
      segments: [{ source: "hourly", from: at(10, 12), to: at(40, 13) }],
    });
  });

  it("answers an hour from the hour holding its start and the current one", () => {
    expect(planUptime({ from: now - HOUR_MS, to: now }, steady)).toEqual({
      from: at(40, 11),
      segments: [{ source: "hourly", from: at(40, 11), to: at(40, 13) }],
    });
  });

  it("answers 30 days from whole days, and hours at the edges", () => {
    expect(planUptime({ from: now - 30 * DAY_MS, to: now }, steady)).toEqual({
      from: at(10, 12),
      segments: [
        { source: "hourly", from: at(10, 12), to: at(11, 0) },
        { source: "daily", from: at(11, 0), to: at(40, 0) },
        { source: "hourly", from: at(40, 0), to: at(40, 13) },
      ],
    });
  });

  it("counts exactly what lies in [from, to) whatever the state of the rollups", () => {
    const states = [
      EMPTY_ROLLUP_STATE,
      steady,
      state({ hourlyThrough: at(40, 9), dailyThrough: at(38, 0), rawFrom: at(39, 0) }),
      state({ hourlyThrough: at(40, 12), dailyThrough: at(40, 0), rawFrom: at(38, 7, 13), hourlyFrom: at(36, 3) }),
    ];
    for (const s of states) {
      for (const ms of [HOUR_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS]) {
        for (const end of [now, now - 17 * MINUTE_MS, at(40, 12)]) {
          const plan = planUptime({ from: end - ms, to: end }, s);
          expect(plan.segments.length).toBeLessThanOrEqual(6);
          // The top of the hour holding the start where hourly rollups reach back far enough, else a day later at most.
          expect(plan.from).toBeLessThanOrEqual(s.hourlyFrom <= end - ms ? end - ms : end - ms + DAY_MS);
          expect(countModel(plan.segments, s, end, 7)).toEqual(countMinutes(plan.from, end, 7));
        }
      }
    }
  });
});
