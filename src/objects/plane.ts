import { DurableObject } from "cloudflare:workers";
import { findPlane } from "../config/load.ts";
import { policyOf, probeName, type PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { writeHistory } from "../storage/history.ts";
import { evaluatePlane, nextExpiry, type LatestState } from "../status/evaluate.ts";
import type { PlaneStatus, ProbeResult, Transition } from "../status/model.ts";
import { emptySnapshot, type CounterValue, type LatestResult, type PlaneSnapshot } from "../status/snapshot.ts";
import { nextProbeState, type ProbeState } from "../status/thresholds.ts";
import { summaryStubFor } from "./stubs.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plane (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  plane TEXT NOT NULL,
  status TEXT NOT NULL,
  since INTEGER NOT NULL,
  expires_at INTEGER,
  version INTEGER NOT NULL,
  published_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS latest (
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  reason TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  http_status INTEGER,
  message TEXT NOT NULL,
  verdict TEXT NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  fail_reason TEXT,
  PRIMARY KEY (region, probe)
);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (name, labels)
);
CREATE TABLE IF NOT EXISTS transitions (
  at INTEGER NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  failing TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);
`;

/** Rows sent to D1 in one batch. */
const FLUSH_BATCH = 500;
/** A D1 outage longer than this many pending rows drops the oldest results (counted), never transitions. */
const OUTBOX_LIMIT = 50_000;
/** Reports arriving within this window share one D1 batch. */
const FLUSH_DELAY_MS = 2_000;
/** After a failed D1 write or publish. */
const RETRY_DELAY_MS = 15_000;
/** Transitions kept in the object for the API; D1 keeps them all. */
const RECENT_TRANSITIONS = 50;

type PlaneRow = {
  plane: string;
  status: PlaneStatus;
  since: number;
  expires_at: number | null;
  version: number;
  published_version: number;
};

type LatestRow = {
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
};

function stateOf(row: LatestRow): ProbeState {
  return { verdict: row.verdict, successes: row.successes, failures: row.failures, failReason: row.fail_reason };
}

/** Canonical label JSON, so the same label set is always the same counter row. */
function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
}

/**
 * One per plane. Receives every region's results, applies thresholds, quorum, precedence and
 * expiry (src/status, pure), records transitions, keeps cumulative counters, and queues
 * history for D1 in an outbox so that a D1 outage loses nothing. Publishes a snapshot to its
 * Summary shard whenever something changed.
 */
export class Plane extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  // ---- RPC -------------------------------------------------------------------------------

  /** Results of one round of probes from one region. Results older than what is stored are ignored. */
  async report(planeId: string, results: ProbeResult[]): Promise<void> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.ensureRow(planeId, now);
      const recorded = results.filter((result) => this.record(plane, result));
      this.evaluate(plane, now, recorded.length > 0);
    });
    await this.publish();
    await this.wakeBy(now + FLUSH_DELAY_MS);
  }

  /** The plane as it is now, with recent transitions. */
  async detail(planeId: string): Promise<{ snapshot: PlaneSnapshot; transitions: Transition[] }> {
    const row = this.row();
    if (!row) return { snapshot: emptySnapshot(planeId), transitions: [] };
    const plane = findPlane(this.env, planeId);
    if (plane) this.ctx.storage.transactionSync(() => this.evaluate(plane, Date.now()));
    return { snapshot: this.snapshot(), transitions: this.recentTransitions(planeId) };
  }

  // ---- alarm -----------------------------------------------------------------------------

  /**
   * Re-evaluates (a result may have gone stale), publishes, flushes the outbox to D1 and
   * sleeps until the next thing due. Safe to run twice: every step reads what is still to do.
   */
  override async alarm(): Promise<void> {
    const row = this.row();
    if (!row) return;
    const plane = findPlane(this.env, row.plane);
    if (!plane) {
      // The plane left the config: nothing of it is watched any more.
      await this.ctx.storage.deleteAll();
      return;
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => this.evaluate(plane, now));
    const published = await this.publish();
    const flushed = await this.flush();
    const retry = published && flushed ? Infinity : now + RETRY_DELAY_MS;
    const moreToFlush = this.outboxSize() > 0 && flushed ? now : Infinity;
    const expiry = nextExpiry(policyOf(plane), this.latestStates(), now) ?? Infinity;
    const next = Math.min(retry, moreToFlush, expiry);
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  // ---- state -----------------------------------------------------------------------------

  private row(): PlaneRow | undefined {
    return this.sql.exec<PlaneRow>("SELECT * FROM plane WHERE id = 1").toArray()[0];
  }

  private ensureRow(planeId: string, now: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO plane (id, plane, status, since, expires_at, version, published_version) VALUES (1, ?, 'NO_VALUE', ?, NULL, 0, 0)",
      planeId,
      now,
    );
  }

  private latestRows(): LatestRow[] {
    return this.sql.exec<LatestRow>("SELECT * FROM latest ORDER BY region, probe").toArray();
  }

  private latestStates(): LatestState[] {
    return this.latestRows().map((r) => ({ region: r.region, probe: r.probe, at: r.at, state: stateOf(r) }));
  }

  /** Stores a result unless it is unknown to the config or older than the one stored; says whether it did. */
  private record(plane: PlaneConfig, result: ProbeResult): boolean {
    const probe = plane.probes.find((p) => probeName(p) === result.probe);
    if (!probe || !plane.regions.includes(result.region as never)) return false;
    const previous = this.sql
      .exec<LatestRow>("SELECT * FROM latest WHERE region = ? AND probe = ?", result.region, result.probe)
      .toArray()[0];
    if (previous && previous.at >= result.at) return false; // a re-sent or out-of-order result
    const state = nextProbeState(previous && stateOf(previous), result, probe);
    this.sql.exec(
      `INSERT OR REPLACE INTO latest (region, probe, kind, at, ok, reason, latency_ms, http_status, message, verdict, successes, failures, fail_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      result.region,
      result.probe,
      result.kind,
      result.at,
      result.ok ? 1 : 0,
      result.reason,
      result.latencyMs,
      result.httpStatus,
      result.message,
      state.verdict,
      state.successes,
      state.failures,
      state.failReason,
    );
    this.increment("planewatch_probe_runs_total", {
      region: result.region,
      probe: result.probe,
      outcome: result.ok ? "success" : "failure",
    });
    this.enqueue("result", result);
    return true;
  }

  private increment(name: string, labels: Record<string, string>, by = 1): void {
    this.sql.exec(
      "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
      name,
      labelKey(labels),
      by,
    );
  }

  private enqueue(kind: "result" | "transition", body: ProbeResult | Transition): void {
    this.sql.exec("INSERT INTO outbox (kind, body) VALUES (?, ?)", kind, JSON.stringify(body));
    const excess = this.outboxSize() - OUTBOX_LIMIT;
    if (excess > 0) {
      this.sql.exec(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE kind = 'result' ORDER BY id LIMIT ?)",
        excess,
      );
      this.increment("planewatch_history_dropped_total", {}, excess);
    }
  }

  private outboxSize(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  /**
   * Applies the status rules now; records a transition when the status changes. The snapshot
   * version grows when anything in it changed (`resultsChanged`, status, expiry).
   */
  private evaluate(plane: PlaneConfig, now: number, resultsChanged = false): void {
    const row = this.row()!;
    const evaluation = evaluatePlane(policyOf(plane), this.latestStates(), now);
    const changed = evaluation.status !== row.status;
    if (changed) {
      const transition: Transition = {
        plane: plane.id,
        at: now,
        from: row.status,
        to: evaluation.status,
        failing: evaluation.failing,
      };
      this.sql.exec(
        "INSERT INTO transitions (at, from_status, to_status, failing) VALUES (?, ?, ?, ?)",
        now,
        row.status,
        evaluation.status,
        JSON.stringify(evaluation.failing),
      );
      this.sql.exec(
        "DELETE FROM transitions WHERE rowid NOT IN (SELECT rowid FROM transitions ORDER BY at DESC LIMIT ?)",
        RECENT_TRANSITIONS,
      );
      this.enqueue("transition", transition);
    }
    if (resultsChanged || changed || evaluation.expiresAt !== row.expires_at) {
      this.sql.exec(
        "UPDATE plane SET status = ?, since = ?, expires_at = ?, version = version + 1 WHERE id = 1",
        evaluation.status,
        changed ? now : row.since,
        evaluation.expiresAt,
      );
    }
  }

  private snapshot(): PlaneSnapshot {
    const row = this.row()!;
    const results: LatestResult[] = this.latestRows().map((r) => ({
      region: r.region,
      probe: r.probe,
      kind: r.kind,
      at: r.at,
      ok: r.ok === 1,
      reason: r.reason,
      latencyMs: r.latency_ms,
      httpStatus: r.http_status,
      message: r.message,
      state: stateOf(r),
    }));
    const counters: CounterValue[] = this.sql
      .exec<{ name: string; labels: string; value: number }>("SELECT * FROM counters ORDER BY name, labels")
      .toArray()
      .map((c) => ({ name: c.name, labels: JSON.parse(c.labels) as Record<string, string>, value: c.value }));
    return {
      plane: row.plane,
      version: row.version,
      status: row.status,
      since: row.since,
      expiresAt: row.expires_at,
      results,
      counters,
    };
  }

  private recentTransitions(planeId: string): Transition[] {
    return this.sql
      .exec<{ at: number; from_status: PlaneStatus; to_status: PlaneStatus; failing: string }>(
        "SELECT * FROM transitions ORDER BY at DESC",
      )
      .toArray()
      .map((t) => ({ plane: planeId, at: t.at, from: t.from_status, to: t.to_status, failing: JSON.parse(t.failing) }));
  }

  // ---- side effects ----------------------------------------------------------------------

  /** Sends the snapshot to the Summary shard if it changed since the last send. */
  private async publish(): Promise<boolean> {
    const row = this.row();
    if (!row || row.version === row.published_version) return true;
    try {
      await summaryStubFor(this.env, row.plane).put(this.snapshot());
      this.sql.exec("UPDATE plane SET published_version = ? WHERE id = 1 AND published_version < ?", row.version, row.version);
      return true;
    } catch (error) {
      console.error(`planewatch: publishing ${row.plane} failed, will retry: ${String(error)}`);
      return false;
    }
  }

  /** Sends one batch of the outbox to D1; on failure the rows stay for the next try. */
  private async flush(): Promise<boolean> {
    const rows = this.sql
      .exec<{ id: number; kind: string; body: string }>("SELECT * FROM outbox ORDER BY id LIMIT ?", FLUSH_BATCH)
      .toArray();
    if (rows.length === 0) return true;
    const results = rows.filter((r) => r.kind === "result").map((r) => JSON.parse(r.body) as ProbeResult);
    const transitions = rows.filter((r) => r.kind === "transition").map((r) => JSON.parse(r.body) as Transition);
    try {
      await writeHistory(this.env.DB, results, transitions);
    } catch (error) {
      console.error(`planewatch: writing history to D1 failed, ${rows.length} rows kept for retry: ${String(error)}`);
      return false;
    }
    this.sql.exec("DELETE FROM outbox WHERE id <= ?", rows.at(-1)!.id);
    return true;
  }

  /** Makes sure the alarm fires no later than `at`. */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
