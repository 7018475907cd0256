import type { ProbeResult } from "../status/model.ts";
import { HOUR_MS } from "./rollup_plan.ts";

/** p50 and p95 latency of one (region, probe) over one hour, from results_hourly. */
export interface HourlyLatency {
  region: string;
  probe: string;
  hour: number;
  p50: number;
  p95: number;
}

/** One raw run of the last hour, for the latency chart's tail. */
export interface RecentRun {
  region: string;
  probe: string;
  at: number;
  latencyMs: number;
  ok: boolean;
}

/** Runs and successes of one (region, probe) over a window. */
export interface ProbeAvailability {
  region: string;
  probe: string;
  runs: number;
  successes: number;
}

/** What the plane page shows of one plane's recent history. */
export interface PlaneHistory {
  hourly: HourlyLatency[];
  lastHour: RecentRun[];
  availability: ProbeAvailability[];
  failures: ProbeResult[];
}

/** A failed run as the query reads it: a run from before findable requests has neither id nor attempts. */
type FailureRow = Omit<ProbeResult, "plane" | "ok" | "traceparent" | "requestId" | "attempts"> & {
  traceparent: string | null;
  requestId: string | null;
  attempts: number | null;
};

/** Raw runs the last-hour chart draws at most: a minute's probes of every region for an hour, with room. */
const LAST_HOUR_RUNS = 5_000;
/** Recent failures listed on the page. */
const RECENT_FAILURES = 20;

/**
 * One plane's latency percentiles by hour in [from, now) from the hourly rollups (the current
 * hour as far as the Plane object has written it), the raw results D1 keeps of the hour before
 * `now` (every failure, and a pass every few minutes), its availability by (region, probe) over
 * the hours of [from, now), and its latest failures: one batch of four queries.
 */
export async function readPlaneHistory(db: D1Database, plane: string, window: { from: number; now: number }): Promise<PlaneHistory> {
  const [hourly, lastHour, availability, failures] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT region, probe, hour, latency_p50_ms AS p50, latency_p95_ms AS p95 FROM results_hourly
         WHERE plane = ? AND hour >= ? AND hour < ? AND latency_p50_ms IS NOT NULL ORDER BY region, probe, hour`,
      )
      .bind(plane, window.from, window.now),
    db
      .prepare(
        `SELECT region, probe, at, latency_ms AS latencyMs, ok FROM results WHERE plane = ? AND at >= ? AND at < ?
         ORDER BY at LIMIT ${LAST_HOUR_RUNS}`,
      )
      .bind(plane, window.now - HOUR_MS, window.now),
    db
      .prepare(
        `SELECT region, probe, sum(runs) AS runs, sum(successes) AS successes FROM results_hourly
         WHERE plane = ? AND hour >= ? AND hour < ? GROUP BY region, probe ORDER BY region, probe`,
      )
      .bind(plane, window.from, window.now),
    db
      .prepare(
        `SELECT region, probe, kind, at, reason, latency_ms AS latencyMs, http_status AS httpStatus, message,
           traceparent, request_id AS requestId, attempts FROM results
         WHERE plane = ? AND at >= ? AND at < ? AND ok = 0 ORDER BY at DESC LIMIT ${RECENT_FAILURES}`,
      )
      .bind(plane, window.from, window.now),
  ]);
  return {
    hourly: hourly!.results as unknown as HourlyLatency[],
    lastHour: (lastHour!.results as Array<Omit<RecentRun, "ok"> & { ok: number }>).map((r) => ({ ...r, ok: r.ok === 1 })),
    availability: availability!.results as unknown as ProbeAvailability[],
    failures: (failures!.results as FailureRow[]).map(({ traceparent, requestId, attempts, ...r }) => ({
      ...r,
      plane,
      ok: false,
      ...(traceparent === null ? {} : { traceparent }),
      ...(requestId === null ? {} : { requestId }),
      ...(attempts === null ? {} : { attempts }),
    })),
  };
}
