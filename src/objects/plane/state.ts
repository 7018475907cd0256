import { policyOf, probeName, type PlaneConfig } from "../../config/schema.ts";
import { isPulled } from "../../probes/registry.ts";
import { evaluatePlane, type LatestState } from "../../status/evaluate.ts";
import {
  PUSH_REGION,
  type FailingProbe,
  type PlaneStatus,
  type ProbeResult,
  type StreamFigures,
  type Transition,
} from "../../status/model.ts";
import { observe, type HistogramCounts } from "../../status/histogram.ts";
import type { CounterValue, LatencyHistogram, LatestResult } from "../../status/snapshot.ts";
import type { ActiveMaintenance, MaintenanceNote } from "../../status/maintenance.ts";
import { nextProbeState, type ProbeState } from "../../status/thresholds.ts";
import { inOpenWindow, readAnnotations } from "./annotations.ts";
import { enqueue } from "./outbox.ts";
import { countRun, keepsRaw, rollupOf, type HourFigures, type HourRollup } from "../../storage/hour_figures.ts";
import type { HistoryResult } from "../../storage/history.ts";

/**
 * The plane's status and, in one row per region, each of its probes' latest result, threshold
 * state, run counts, latency histogram and hour figures: recording a region's round writes that
 * one row (each row written is billed), not one per probe or per table.
 * Tables: ./schema.ts.
 */

/** Transitions kept in the object for the API; D1 keeps them all. */
const RECENT_TRANSITIONS = 50;

/**
 * What the plane row keeps: written only when the status changes (each row written is billed).
 * When the status expires follows from the latest results, and the snapshot's version lives in
 * the Plane object's memory.
 */
export type PlaneRow = {
  plane: string;
  status: PlaneStatus;
  since: number;
  /** When the hours being counted last went to D1 (null: never). */
  hours_written_at: number | null;
};

type ProbeRow = {
  region: string;
  probe: string;
  kind: string;
  at: number;
  ok: number;
  reason: string;
  latency_ms: number;
  http_status: number | null;
  message: string;
  verdict: "pass" | "fail";
  successes: number;
  failures: number;
  fail_reason: string | null;
  runs_success: number;
  runs_failure: number;
  traceparent: string | null;
  request_id: string | null;
  /** Attempts of every run counted here, fast retries included. */
  runs_attempts: number;
  /** HistogramCounts as JSON; null until a latency is observed (never while the bounds are refused). */
  histogram: string | null;
  /** StreamFigures of the latest result as JSON; null when it measured none. */
  figures: string | null;
  /** HistogramCounts of the times to first token as JSON; null until one is observed. */
  first_token_histogram: string | null;
  /** HourFigures of the hour being counted, as JSON; null before the first run counted so. */
  hour_figures: string | null;
  /** When the last pass went to D1 as a raw result (src/storage/hour_figures.ts keepsRaw). */
  raw_sampled_at: number | null;
};

function stateOf(row: ProbeRow): ProbeState {
  return { verdict: row.verdict, successes: row.successes, failures: row.failures, failReason: row.fail_reason };
}

export function planeRow(sql: SqlStorage): PlaneRow | undefined {
  return sql.exec<PlaneRow>("SELECT * FROM plane WHERE id = 1").toArray()[0];
}

export function ensurePlaneRow(sql: SqlStorage, planeId: string, now: number): void {
  sql.exec("INSERT OR IGNORE INTO plane (id, plane, status, since) VALUES (1, ?, 'NO_VALUE', ?)", planeId, now);
}

/** A (region, probe) as its region's row keeps it: everything but the two names. */
type StoredProbe = Omit<ProbeRow, "region" | "probe">;

/**
 * A region's row as last parsed or written: its text, its probes by name (in name order), and
 * each probe's part of the text once known, so that a write serialises only the probes it changed.
 */
interface RegionRow {
  text: string;
  probes: ReadonlyMap<string, ProbeRow>;
  parts: ReadonlyMap<string, string>;
}

/**
 * Each object's region rows as last parsed or written, keyed by the row's text: every report and
 * webhook evaluates the plane from every region's row, and most of them have not changed since
 * the last time. Keyed by the text, a row rolled back or written elsewhere is parsed afresh.
 * What it holds is frozen: it is shared by every reader.
 */
const regionRows = new WeakMap<SqlStorage, Map<string, RegionRow>>();

function regionCache(sql: SqlStorage): Map<string, RegionRow> {
  return regionRows.get(sql) ?? regionRows.set(sql, new Map()).get(sql)!;
}

/** A region's row from its text, parsed only if the text changed since it was last parsed or written. */
function parsedRegion(sql: SqlStorage, region: string, text: string): RegionRow {
  const known = regionCache(sql).get(region);
  if (known?.text === text) return known;
  const stored = Object.entries(JSON.parse(text) as Record<string, StoredProbe>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parsed = {
    text,
    probes: new Map(stored.map(([probe, row]) => [probe, Object.freeze({ ...row, region, probe })])),
    parts: new Map(),
  };
  regionCache(sql).set(region, parsed);
  return parsed;
}

/** Every (region, probe), by region and probe (read-only: see regionRows). */
function readProbes(sql: SqlStorage): readonly ProbeRow[] {
  return sql
    .exec<{ region: string; probes: string }>("SELECT region, probes FROM regions ORDER BY region")
    .toArray()
    .flatMap(({ region, probes }) => [...parsedRegion(sql, region, probes).probes.values()]);
}

function readRegion(sql: SqlStorage, region: string): RegionRow | undefined {
  const row = sql.exec<{ probes: string }>("SELECT probes FROM regions WHERE region = ?", region).toArray()[0];
  return row && parsedRegion(sql, region, row.probes);
}

function storedOf({ region: _region, probe: _probe, ...stored }: ProbeRow): StoredProbe {
  return stored;
}

/** Writes a region's row as read (`before`) with `changed` probes replaced: the others keep the text they had. */
function writeRegion(sql: SqlStorage, region: string, before: RegionRow | undefined, changed: ReadonlyMap<string, StoredProbe>): void {
  const names = [...new Set([...(before?.probes.keys() ?? []), ...changed.keys()])].sort();
  const probes = new Map<string, ProbeRow>();
  const parts = new Map<string, string>();
  for (const probe of names) {
    const update = changed.get(probe);
    const row = update ? Object.freeze({ ...update, region, probe }) : before!.probes.get(probe)!;
    probes.set(probe, row);
    parts.set(probe, update ? JSON.stringify(update) : (before!.parts.get(probe) ?? JSON.stringify(storedOf(row))));
  }
  const text = `{${names.map((probe) => `${JSON.stringify(probe)}:${parts.get(probe)}`).join(",")}}`;
  sql.exec("INSERT INTO regions (region, probes) VALUES (?, ?) ON CONFLICT (region) DO UPDATE SET probes = excluded.probes", region, text);
  regionCache(sql).set(region, { text, probes, parts });
}

function resultOf(r: ProbeRow): LatestResult {
  return {
    region: r.region,
    probe: r.probe,
    kind: r.kind,
    at: r.at,
    ok: r.ok === 1,
    reason: r.reason,
    latencyMs: r.latency_ms,
    httpStatus: r.http_status,
    message: r.message,
    ...(r.figures ? { figures: JSON.parse(r.figures) as StreamFigures } : {}),
    ...(r.traceparent === null ? {} : { traceparent: r.traceparent }),
    ...(r.request_id === null ? {} : { requestId: r.request_id }),
    state: stateOf(r),
  };
}

export function latestResults(sql: SqlStorage): LatestResult[] {
  return readProbes(sql).map(resultOf);
}

/** What the snapshot shows of every (region, probe): its latest result, its runs counters, its latency and time to first token histograms. */
export function probeSnapshot(sql: SqlStorage): {
  results: LatestResult[];
  runs: CounterValue[];
  histograms: LatencyHistogram[];
  firstTokenHistograms: LatencyHistogram[];
} {
  const rows = readProbes(sql);
  const runs = (r: ProbeRow, outcome: "success" | "failure", value: number): CounterValue[] =>
    value > 0 ? [{ name: "planewatch_probe_runs_total", labels: { outcome, probe: r.probe, region: r.region }, value }] : [];
  const attempts = (r: ProbeRow): CounterValue[] =>
    r.runs_attempts > 0
      ? [{ name: "planewatch_probe_attempts_total", labels: { probe: r.probe, region: r.region }, value: r.runs_attempts }]
      : [];
  return {
    results: rows.map(resultOf),
    runs: rows.flatMap((r) => [...runs(r, "failure", r.runs_failure), ...runs(r, "success", r.runs_success), ...attempts(r)]),
    histograms: rows.flatMap((r) =>
      r.histogram ? [{ region: r.region, probe: r.probe, ...(JSON.parse(r.histogram) as HistogramCounts) }] : [],
    ),
    firstTokenHistograms: rows.flatMap((r) =>
      r.first_token_histogram ? [{ region: r.region, probe: r.probe, ...(JSON.parse(r.first_token_histogram) as HistogramCounts) }] : [],
    ),
  };
}

function latestStates(sql: SqlStorage): LatestState[] {
  return readProbes(sql).map((r) => ({ region: r.region, probe: r.probe, at: r.at, state: stateOf(r) }));
}

/**
 * Records a result: counts it, observes its latency (unless the bounds are refused: null) and
 * queues it for D1, and makes it the latest of its (region, probe) unless a newer one is there
 * (async results can settle out of order). A result with the time of the stored one was
 * recorded before and is ignored. Says whether it recorded it.
 */
export function recordResult(sql: SqlStorage, plane: PlaneConfig, result: ProbeResult, latencyBounds: readonly number[] | null): boolean {
  return recordResults(sql, plane, [result], latencyBounds, "any-order").length > 0;
}

/**
 * Records results as recordResult does, with one row written per region and one outbox
 * statement however many results it has. Each run counts in its (region, probe)'s hour
 * figures, from which D1's hourly rollups are written; only failures, the first pass after one
 * and a pass every `rawPassSeconds` go to D1 as raw results (keepsRaw). An hour a run closes is
 * queued for D1 whole. `in-order`: the results come from a Prober,
 * which sends each (region, probe) in time order, so one no newer than the stored latest was
 * recorded before (a report re-sent after a lost answer) and is ignored. Returns the results
 * it recorded.
 */
export function recordResults(
  sql: SqlStorage,
  plane: PlaneConfig,
  results: readonly ProbeResult[],
  latencyBounds: readonly number[] | null,
  order: "in-order" | "any-order",
): ProbeResult[] {
  const groups = new Map<string, ProbeResult[]>();
  for (const result of results) {
    const key = `${result.region}\n${result.probe}`;
    const group = groups.get(key);
    if (group) group.push(result);
    else groups.set(key, [result]);
  }
  const recorded: ProbeResult[] = [];
  const raw: HistoryResult[] = [];
  const closedHours: HourRollup[] = [];
  // Results taken in a maintenance window are kept, and marked so that uptime leaves them out.
  const { open } = readAnnotations(sql);
  // Each region's row is read once and written once, whatever number of its probes reported.
  const regions = new Map<string, RegionRow | undefined>();
  const regionRow = (region: string) =>
    regions.has(region) ? regions.get(region) : regions.set(region, readRegion(sql, region)).get(region);
  const changed = new Map<string, Map<string, StoredProbe>>();
  for (const group of groups.values()) {
    const { region, probe: name } = group[0]!;
    const probe = plane.probes.find((p) => probeName(p) === name);
    if (!probe) continue;
    // Pulled probes report from the plane's regions, pushed ones (heartbeats) from PUSH_REGION only.
    if (isPulled(probe) ? !plane.regions.includes(region as never) : region !== PUSH_REGION) continue;
    const previous = regionRow(region)?.probes.get(name);
    const seen = new Set(previous ? [previous.at] : []);
    const taken = group.filter((r) => {
      if (seen.has(r.at) || (order === "in-order" && previous && r.at < previous.at)) return false;
      seen.add(r.at);
      return true;
    });
    if (taken.length === 0) continue;
    // Results older than the stored latest (async ones settle out of order) are counted, not made latest.
    const newer = taken.filter((r) => !previous || r.at > previous.at).sort((a, b) => a.at - b.at);
    const latest = newer.at(-1);
    const state = newer.reduce<ProbeState | undefined>((s, r) => nextProbeState(s, r, probe), previous && stateOf(previous));
    const storedHistogram = previous?.histogram ? (JSON.parse(previous.histogram) as HistogramCounts) : null;
    const histogram = latencyBounds
      ? observe(
          storedHistogram,
          taken.map((r) => r.latencyMs / 1000),
          latencyBounds,
        )
      : storedHistogram;
    // Times to first token share the latency bounds: both are waits of the same order.
    const firstTokens = taken.flatMap((r) => (r.figures?.timeToFirstTokenMs === undefined ? [] : [r.figures.timeToFirstTokenMs / 1000]));
    const storedFirstToken = previous?.first_token_histogram ? (JSON.parse(previous.first_token_histogram) as HistogramCounts) : null;
    const firstTokenHistogram =
      latencyBounds && firstTokens.length > 0 ? observe(storedFirstToken, firstTokens, latencyBounds) : storedFirstToken;
    const successes = taken.filter((r) => r.ok).length;
    // Only results a Prober reported carry attempts: an async verdict or a heartbeat adds none.
    const attempts = taken.reduce((sum, r) => sum + (r.attempts ?? 0), 0);
    let figures = previous?.hour_figures ? (JSON.parse(previous.hour_figures) as HourFigures) : null;
    let sampledAt = previous?.raw_sampled_at ?? null;
    let previousOk = previous ? previous.ok === 1 : null;
    for (const run of [...taken].sort((a, b) => a.at - b.at)) {
      const maintenance = inOpenWindow(open, run.at);
      const counted = countRun(figures, { ...run, maintenance });
      if (counted.closed) closedHours.push(rollupOf({ plane: plane.id, region, probe: name }, counted.closed));
      figures = counted.open;
      if (keepsRaw(run, previousOk, sampledAt, plane.rawPassSeconds * 1000)) {
        raw.push(maintenance ? { ...run, maintenance } : run);
        if (run.ok) sampledAt = run.at;
      }
      previousOk = run.ok;
    }
    const {
      region: _region,
      probe: _probe,
      ...row
    } = {
      ...(latest ? latestColumns(latest, state!) : previous!),
      runs_success: (previous?.runs_success ?? 0) + successes,
      runs_failure: (previous?.runs_failure ?? 0) + taken.length - successes,
      runs_attempts: (previous?.runs_attempts ?? 0) + attempts,
      histogram: histogram && JSON.stringify(histogram),
      first_token_histogram: firstTokenHistogram && JSON.stringify(firstTokenHistogram),
      hour_figures: JSON.stringify(figures),
      raw_sampled_at: sampledAt,
    };
    (changed.get(region) ?? changed.set(region, new Map()).get(region)!).set(name, row);
    recorded.push(...taken);
  }
  for (const [region, probes] of changed) writeRegion(sql, region, regions.get(region), probes);
  enqueue(sql, "result", raw);
  enqueue(sql, "rollup", closedHours);
  return recorded;
}

/** The hour every (region, probe) is counting (or last counted), as D1 rows: written now and then while it runs. */
export function heldHours(sql: SqlStorage, planeId: string): HourRollup[] {
  return readProbes(sql).flatMap((r) =>
    r.hour_figures === null
      ? []
      : [rollupOf({ plane: planeId, region: r.region, probe: r.probe }, JSON.parse(r.hour_figures) as HourFigures)],
  );
}

function latestColumns(
  result: ProbeResult,
  state: ProbeState,
): Omit<
  ProbeRow,
  "runs_success" | "runs_failure" | "runs_attempts" | "histogram" | "first_token_histogram" | "hour_figures" | "raw_sampled_at"
> {
  return {
    region: result.region,
    probe: result.probe,
    kind: result.kind,
    at: result.at,
    ok: result.ok ? 1 : 0,
    reason: result.reason,
    latency_ms: result.latencyMs,
    http_status: result.httpStatus,
    message: result.message,
    traceparent: result.traceparent ?? null,
    request_id: result.requestId ?? null,
    verdict: state.verdict,
    successes: state.successes,
    failures: state.failures,
    fail_reason: state.failReason,
    figures: result.figures && Object.keys(result.figures).length > 0 ? JSON.stringify(result.figures) : null,
  };
}

function recordTransition(sql: SqlStorage, transition: Transition): void {
  sql.exec(
    "INSERT INTO transitions (at, from_status, to_status, failing, maintenance) VALUES (?, ?, ?, ?, ?)",
    transition.at,
    transition.from,
    transition.to,
    JSON.stringify(transition.failing),
    transition.maintenance ? JSON.stringify(transition.maintenance) : null,
  );
  sql.exec("DELETE FROM transitions WHERE rowid NOT IN (SELECT rowid FROM transitions ORDER BY at DESC LIMIT ?)", RECENT_TRANSITIONS);
  enqueue(sql, "transition", [transition]);
}

/**
 * Records in the transitions history that a maintenance window was set or ended through the
 * API: an entry from the current status to itself, carrying the window, who and when.
 */
export function recordMaintenanceChange(sql: SqlStorage, planeId: string, note: MaintenanceNote, now: number): void {
  const status = planeRow(sql)!.status;
  recordTransition(sql, { plane: planeId, at: now, from: status, to: status, failing: [], maintenance: note });
}

/**
 * Applies the status rules now; records a transition, and writes the plane row, only when the
 * status changes. Returns the transition, if any, what fails now, when the status expires
 * unless a result arrives, and when the evaluation can next change by itself.
 */
export function evaluateNow(
  sql: SqlStorage,
  plane: PlaneConfig,
  now: number,
  window: ActiveMaintenance | null,
): { transition: Transition | null; failing: FailingProbe[]; expiresAt: number | null; reviewAt: number } {
  const row = planeRow(sql)!;
  const policy = policyOf(plane);
  const evaluation = evaluatePlane(policy, latestStates(sql), now, row.status);
  let transition: Transition | null = null;
  if (evaluation.status !== row.status) {
    transition = { plane: plane.id, at: now, from: row.status, to: evaluation.status, failing: evaluation.failing, maintenance: window };
    recordTransition(sql, transition);
    sql.exec("UPDATE plane SET status = ?, since = ? WHERE id = 1", evaluation.status, now);
  }
  return { transition, failing: evaluation.failing, expiresAt: evaluation.expiresAt, reviewAt: evaluation.reviewAt ?? Infinity };
}

export function recentTransitions(sql: SqlStorage, planeId: string): Transition[] {
  return sql
    .exec<{ at: number; from_status: PlaneStatus; to_status: PlaneStatus; failing: string; maintenance: string | null }>(
      "SELECT * FROM transitions ORDER BY at DESC",
    )
    .toArray()
    .map((t) => ({
      plane: planeId,
      at: t.at,
      from: t.from_status,
      to: t.to_status,
      failing: JSON.parse(t.failing),
      maintenance: t.maintenance === null ? null : (JSON.parse(t.maintenance) as MaintenanceNote),
    }));
}
