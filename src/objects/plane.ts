import { DurableObject } from "cloudflare:workers";
import { findPlane } from "../config/load.ts";
import type { PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { mapLimit, MAX_CONNECTIONS } from "../lib/concurrency.ts";
import { pollAsyncStatus } from "../probes/async_predict.ts";
import type { ProbeResult, Transition } from "../status/model.ts";
import { emptySnapshot, type PlaneSnapshot } from "../status/snapshot.ts";
import type { Ticket } from "../webhooks/token.ts";
import { COUNTERS_SCHEMA, readCounters } from "./plane/counters.ts";
import { flushOutbox, OUTBOX_SCHEMA } from "./plane/outbox.ts";
import {
  asyncProbeOf,
  dueForPoll,
  nextAsyncWake,
  openRequest,
  pastDeadline,
  PENDING_SCHEMA,
  pendingCount,
  pendingRow,
  pruneTombstones,
  recordPoll,
  recordSubmission,
  settle,
  type Submission,
} from "./plane/pending.ts";
import {
  ensurePlaneRow,
  evaluateNow,
  latestResults,
  markChanged,
  planeRow,
  recentTransitions,
  recordResult,
  STATE_SCHEMA,
} from "./plane/state.ts";
import { checkDelivery, countDelivery, matchWebhook, type Delivery, type WebhookAnswer } from "./plane/webhook.ts";
import { probeContext } from "./probe_context.ts";
import { summaryStubFor } from "./stubs.ts";

/**
 * Snapshot and history leave the object on its alarm, this long after a change: a burst
 * (regions reporting together, a flood of webhooks) shares one publish and one D1 batch. The
 * object itself always answers with the current status.
 */
const SIDE_EFFECT_DELAY_MS = 1_000;
/** After a failed publish to the Summary shard. */
const PUBLISH_RETRY_MS = 15_000;

/**
 * One per plane. Receives every region's results, applies thresholds, quorum, precedence and
 * expiry (src/status, pure), records transitions, keeps cumulative counters, and queues
 * history for D1 in an outbox so that a D1 outage loses nothing. Matches async webhooks to the
 * requests its probes submitted. Publishes a snapshot to its Summary shard whenever something
 * changed. Its storage is split by concern in ./plane/.
 */
export class Plane extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(STATE_SCHEMA + COUNTERS_SCHEMA + OUTBOX_SCHEMA + PENDING_SCHEMA);
  }

  /**
   * One round of probes from one region: final results, and the async requests it submitted
   * (whose results come later). A re-sent result is ignored.
   */
  async report(planeId: string, results: ProbeResult[], submissions: Submission[] = []): Promise<void> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, planeId, now);
      for (const submission of submissions) recordSubmission(this.sql, submission, now);
      const recorded = results.filter((result) => recordResult(this.sql, plane, result));
      evaluateNow(this.sql, plane, now, recorded.length > 0 || submissions.length > 0);
    });
    // New submissions are polled at once; the rest waits for the burst to end.
    await this.wakeBy(submissions.length > 0 ? now : now + SIDE_EFFECT_DELAY_MS);
  }

  /** Opens an async request about to be submitted: its webhook token, and its deadline on the alarm. */
  async openAsync(planeId: string, region: string, probe: string, submittedAt: number, deadline: number): Promise<Ticket> {
    ensurePlaneRow(this.sql, planeId, submittedAt);
    const ticket = await openRequest(this.sql, planeId, { region, probe, submittedAt, deadline });
    markChanged(this.sql);
    await this.wakeBy(deadline);
    return ticket;
  }

  /** A webhook delivery for this plane, as the receiver read it. */
  async webhook(planeId: string, token: string, delivery: Delivery): Promise<WebhookAnswer> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return { status: 401, outcome: "unknown", message: "no such plane" };
    const now = Date.now();
    ensurePlaneRow(this.sql, planeId, now);
    const checked = await checkDelivery(this.sql, this.env, plane, token, delivery, now);
    const answer = this.ctx.storage.transactionSync(() => {
      if ("outcome" in checked) {
        countDelivery(this.sql, checked.outcome);
        markChanged(this.sql);
        return checked;
      }
      const matched = matchWebhook(this.sql, plane, checked, now);
      countDelivery(this.sql, matched.outcome);
      evaluateNow(this.sql, plane, now, true);
      return matched;
    });
    await this.wakeBy(now + SIDE_EFFECT_DELAY_MS);
    return answer;
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
    const { asyncWake, changed } = await this.followAsync(plane);
    const { nextExpiry } = this.ctx.storage.transactionSync(() => evaluateNow(this.sql, plane, now, changed));
    const published = await this.publish(now);
    const next = Math.min(asyncWake, nextExpiry, published, await flushOutbox(this.sql, this.env.DB, now));
    // A report that came in while this alarm awaited the Summary or D1 changed the snapshot
    // after it was sent, and found this alarm still set, so it armed none: send it again soon
    // (unless the send failed, which keeps its retry delay).
    const wake = Math.min(next, published === Infinity ? this.unpublishedWake() : Infinity);
    if (Number.isFinite(wake)) await this.ctx.storage.setAlarm(wake);
  }

  /** A second from now if the snapshot changed since it was last sent, else never. */
  private unpublishedWake(): number {
    const row = planeRow(this.sql);
    return row && row.version !== row.published_version ? Date.now() + SIDE_EFFECT_DELAY_MS : Infinity;
  }

  /**
   * Polls the status of accepted async requests that are due, and settles those past their
   * deadline. Says whether anything changed, and when it is next due.
   */
  private async followAsync(plane: PlaneConfig): Promise<{ asyncWake: number; changed: boolean }> {
    const due = dueForPoll(this.sql, Date.now());
    await mapLimit(due, MAX_CONNECTIONS, async (row) => {
      const probe = asyncProbeOf(plane, row.probe);
      if (!probe || row.request_id === null) return;
      const poll = await pollAsyncStatus(probe, probeContext(this.env, plane, probe, Date.now()), row.request_id);
      this.ctx.storage.transactionSync(() => {
        recordPoll(this.sql, row.nonce, poll, Date.now() + probe.pollIntervalSeconds * 1000);
        const current = pendingRow(this.sql, row.nonce);
        if (current) settle(this.sql, plane, current, Date.now());
      });
    });
    const expired = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      pruneTombstones(this.sql, now);
      return pastDeadline(this.sql, now).filter((row) => settle(this.sql, plane, row, now));
    });
    return { asyncWake: nextAsyncWake(this.sql), changed: due.length > 0 || expired.length > 0 };
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
      gauges: [{ name: "planewatch_async_pending", labels: {}, value: pendingCount(this.sql) }],
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
