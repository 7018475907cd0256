import { DurableObject } from "cloudflare:workers";
import { latencyBuckets } from "../config/latency_buckets.ts";
import { findPlane } from "../config/load.ts";
import type { Env } from "../env.ts";
import type { ProbeResult, Transition } from "../status/model.ts";
import { emptySnapshot, type PlaneSnapshot } from "../status/snapshot.ts";
import { COUNTERS_SCHEMA, readCounters } from "./plane/counters.ts";
import { HISTOGRAM_SCHEMA, readHistograms } from "./plane/histogram.ts";
import { flushOutbox, OUTBOX_SCHEMA } from "./plane/outbox.ts";
import { ensurePlaneRow, evaluateNow, latestResults, planeRow, recentTransitions, recordResult, STATE_SCHEMA } from "./plane/state.ts";
import { summaryStubFor } from "./stubs.ts";

/** Reports arriving within this window share one D1 batch. */
const FLUSH_DELAY_MS = 2_000;
/** After a failed publish to the Summary shard. */
const PUBLISH_RETRY_MS = 15_000;

/**
 * One per plane. Receives every region's results, applies thresholds, quorum, precedence and
 * expiry (src/status, pure), records transitions, keeps cumulative counters, and queues
 * history for D1 in an outbox so that a D1 outage loses nothing. Publishes a snapshot to its
 * Summary shard whenever something changed. Its storage is split by concern in ./plane/.
 */
export class Plane extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(STATE_SCHEMA + COUNTERS_SCHEMA + HISTOGRAM_SCHEMA + OUTBOX_SCHEMA);
  }

  /** Results of one round of probes from one region. Results older than what is stored are ignored. */
  async report(planeId: string, results: ProbeResult[]): Promise<void> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return;
    const now = Date.now();
    // Refused bounds (readiness says why) freeze the histogram rather than change its buckets.
    const buckets = latencyBuckets(this.env.LATENCY_BUCKETS);
    const bounds = buckets.ok ? buckets.bounds : null;
    this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, planeId, now);
      const recorded = results.filter((result) => recordResult(this.sql, plane, result, bounds));
      evaluateNow(this.sql, plane, now, recorded.length > 0);
    });
    await this.publish(now);
    await this.wakeBy(now + FLUSH_DELAY_MS);
  }

  /** The plane as it is now, with recent transitions. */
  async detail(planeId: string): Promise<{ snapshot: PlaneSnapshot; transitions: Transition[] }> {
    if (!planeRow(this.sql)) return { snapshot: emptySnapshot(planeId), transitions: [] };
    const plane = findPlane(this.env, planeId);
    if (plane) this.ctx.storage.transactionSync(() => evaluateNow(this.sql, plane, Date.now()));
    return { snapshot: this.snapshot(), transitions: recentTransitions(this.sql, planeId) };
  }

  /**
   * Each step does what is due and says when it is next due; the alarm sleeps until the
   * earliest. Alarms are at-least-once: every step reads what is still to do, so a re-run is
   * harmless.
   */
  override async alarm(): Promise<void> {
    const row = planeRow(this.sql);
    if (!row) return;
    const plane = findPlane(this.env, row.plane);
    if (!plane) {
      // The plane left the config: nothing of it is watched any more.
      await this.ctx.storage.deleteAll();
      return;
    }
    const now = Date.now();
    const { nextExpiry } = this.ctx.storage.transactionSync(() => evaluateNow(this.sql, plane, now));
    const next = Math.min(nextExpiry, await this.publish(now), await flushOutbox(this.sql, this.env.DB, now));
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  private snapshot(): PlaneSnapshot {
    const row = planeRow(this.sql)!;
    return {
      plane: row.plane,
      version: row.version,
      status: row.status,
      since: row.since,
      expiresAt: row.expires_at,
      results: latestResults(this.sql),
      counters: readCounters(this.sql),
      histograms: readHistograms(this.sql),
    };
  }

  /** Sends the snapshot to the Summary shard if it changed since the last send; says when to retry. */
  private async publish(now: number): Promise<number> {
    const row = planeRow(this.sql);
    if (!row || row.version === row.published_version) return Infinity;
    try {
      await summaryStubFor(this.env, row.plane).put(this.snapshot());
    } catch (error) {
      console.error(`planewatch: publishing ${row.plane} failed, will retry: ${String(error)}`);
      return now + PUBLISH_RETRY_MS;
    }
    this.sql.exec("UPDATE plane SET published_version = ? WHERE id = 1 AND published_version < ?", row.version, row.version);
    return Infinity;
  }

  /** Makes sure the alarm fires no later than `at`. */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
