import { DurableObject } from "cloudflare:workers";
import {
  checkDelivery,
  countDeliveries,
  followAsync,
  matchWebhooks,
  openRequest,
  pendingCount,
  recordSubmission,
  type CheckedWebhook,
  type Delivery,
  type ObjectStorage,
  type Recording,
  type Submission,
  type Ticket,
  type WebhookAnswer,
} from "../async/index.ts";
import { latencyBuckets } from "../config/latency_buckets.ts";
import { findPlane } from "../config/load.ts";
import { probeName, type PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { gathered } from "../lib/gather.ts";
import { jittered } from "../lib/jitter.ts";
import { logError, readSecret, redactSecrets } from "../secrets.ts";
import { alertEvent } from "../sentry/alert-event.ts";
import { deliverEvents } from "../sentry/client.ts";
import { reportFromObject } from "../sentry/instrument.ts";
import type { ProbeResult, Transition } from "../status/model.ts";
import { emptySnapshot, type PlaneSnapshot } from "../status/snapshot.ts";
import { alertPolicy, queueAlerts, sendAlerts, type QueuedAlert } from "./plane/alerts.ts";
import { readCounters } from "./plane/counters.ts";
import { heartbeatProbe, judgeHeartbeats, recordBeat } from "../heartbeats/index.ts";
import { isPulled, settlesLater } from "../probes/registry.ts";
import { flushOutbox } from "./plane/outbox.ts";
import { nextExpectedReport } from "./plane/rhythm.ts";
import { readAnnotations, writeAnnotations } from "./plane/annotations.ts";
import { flapPolicyOf } from "../config/maintenance.ts";
import { isFlapping, nextFlapReview, recentChanges } from "../status/flapping.ts";
import {
  activeMaintenance,
  nextMaintenanceChange,
  type ActiveMaintenance,
  type MaintenanceNote,
  type RuntimeWindow,
} from "../status/maintenance.ts";
import {
  ensurePlaneRow,
  evaluateNow,
  heldHours,
  latestResults,
  planeRow,
  probeSnapshot,
  recentTransitions,
  recordMaintenanceChange,
  recordResults,
} from "./plane/state.ts";
import { migrate } from "./migrate.ts";
import { PLANE_SCHEMA, planeUnversionedVersion } from "./plane/schema.ts";
import { summaryStubFor } from "./stubs.ts";
import type { HourRollup } from "../storage/hour_figures.ts";
import { writeHistory } from "../storage/history.ts";

/**
 * Snapshot and history leave the object on its alarm, this long after a change: a burst
 * (regions reporting together, a flood of webhooks) shares one publish and one D1 batch. The
 * object itself always answers with the current status.
 */
const SIDE_EFFECT_DELAY_MS = 1_000;
/**
 * While the status holds, the alarm publishes and flushes at most this often (each instance
 * takes a jittered part of it, so planes started together do not all publish in one burst):
 * probes with short periods (Kubernetes' default is 10 s) then share a publish and a D1 batch
 * across rounds, and a scrape still sees each result within this long after the Plane object
 * has it. A status change goes out after SIDE_EFFECT_DELAY_MS.
 */
const SIDE_EFFECT_INTERVAL_MS = 10_000;
/** Webhooks matched in one transaction at most: a flood is matched in batches of this many. */
const MAX_MATCHED_TOGETHER = 128;
/** After a failed publish to the Summary shard. */
const PUBLISH_RETRY_MS = 15_000;
/**
 * How often the hours being counted go to D1 (each instance takes a jittered part of it): the
 * history of the current hour is this late at most. A closed hour goes out through the outbox.
 */
const HELD_HOURS_INTERVAL_MS = 20 * 60_000;
/** After a failed write of the hours being counted. */
const HELD_HOURS_RETRY_MS = 15_000;

/**
 * One per plane. Receives every region's results, applies thresholds, quorum, precedence and
 * expiry (src/status, pure), records transitions, keeps cumulative counters, and queues
 * history for D1 in an outbox so that a D1 outage loses nothing. Matches async webhooks to the
 * requests its probes submitted. Publishes a snapshot to its Summary shard whenever something
 * changed, and alerts Sentry of transitions from a queue of its own. Its storage is split by
 * concern in ./plane/.
 */
export class Plane extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** When this instance's alarm last ran its side effects (a new instance runs them at once). */
  private lastSideEffectsAt = 0;
  /**
   * The snapshot's version, in memory (a stored one would be a billed row per report): at
   * least the clock's time of the last change, so the versions of a new instance follow those
   * of the one before it, and a Summary shard takes them.
   */
  private version = Date.now();
  /** The version the Summary shard has; a new instance has published nothing, and publishes once (a put is idempotent). */
  private publishedVersion = 0;
  /** When the status expires unless a result arrives, as the last evaluation found (null: no fresh result, or none yet). */
  private expiresAt: number | null = null;
  private readonly sideEffectIntervalMs = jittered(SIDE_EFFECT_INTERVAL_MS);
  private readonly heldHoursIntervalMs = jittered(HELD_HOURS_INTERVAL_MS);
  /** What D1 has of each (region, probe)'s hour from this instance: "hour runs". */
  private readonly heldHoursWritten = new Map<string, string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(ctx.storage, PLANE_SCHEMA, planeUnversionedVersion);
  }

  /**
   * Rounds of probes from one region: final results (a Prober may keep several rounds back
   * while none can change a verdict), and the async requests it submitted (whose results come
   * later). A re-sent result is ignored.
   */
  async report(planeId: string, results: ProbeResult[], submissions: Submission[] = []): Promise<void> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return;
    const now = Date.now();
    const bounds = this.latencyBounds();
    const { transition } = this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, planeId, now);
      for (const submission of submissions) recordSubmission(this.sql, submission, now);
      const recorded = recordResults(this.sql, plane, results, bounds, "in-order");
      return this.evaluate(plane, now, recorded.length > 0 || submissions.length > 0);
    });
    // New submissions are polled at once and a status change goes out after the burst; other news takes the alarm
    // already armed if it comes within the interval, as the last alarm armed it for this report.
    const urgent = submissions.length > 0 || transition !== null;
    const at = submissions.length > 0 ? now : this.sideEffectsAt(now, transition !== null);
    await this.wakeBy(at, urgent ? at : now + this.sideEffectIntervalMs);
  }

  /** Opens an async request about to be submitted: its webhook token, and its deadline on the alarm. */
  async openAsync(planeId: string, region: string, probe: string, submittedAt: number, deadline: number): Promise<Ticket> {
    ensurePlaneRow(this.sql, planeId, submittedAt);
    const ticket = await openRequest(this.sql, planeId, { region, probe, submittedAt, deadline });
    this.markChanged();
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
    if ("nonce" in checked) return this.matchGathered({ plane, webhook: checked });
    this.ctx.storage.transactionSync(() => {
      countDeliveries(this.sql, [checked.outcome]);
      this.markChanged();
    });
    await this.wakeBy(this.sideEffectsAt(now, false));
    return checked;
  }

  /**
   * Webhooks that passed their checks, matched together: a flood of them (a platform delivering
   * its backlog) shares one transaction, one write of each region's row and one evaluation.
   */
  private readonly matchGathered = gathered(
    MAX_MATCHED_TOGETHER,
    async (checked: Array<{ plane: PlaneConfig; webhook: CheckedWebhook }>) => {
      // Every call to this object is about its one plane.
      const { plane } = checked[0]!;
      const now = Date.now();
      const { answers, transition } = this.ctx.storage.transactionSync(() => {
        const answers = matchWebhooks(
          this.sql,
          plane,
          checked.map((c) => c.webhook),
          now,
          this.recording(),
        );
        return { answers, transition: this.evaluate(plane, now, true).transition };
      });
      await this.wakeBy(this.sideEffectsAt(now, transition !== null));
      return answers;
    },
  );

  /** A heartbeat arrived (its sender is authenticated by the Worker). False when the plane has no such heartbeat probe. */
  async heartbeat(planeId: string, probe: string): Promise<boolean> {
    const plane = findPlane(this.env, planeId);
    if (!plane || !heartbeatProbe(plane, probe)) return false;
    const now = Date.now();
    const { transition } = this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, planeId, now);
      return this.evaluate(plane, now, recordBeat(this.sql, plane, probe, now));
    });
    await this.wakeBy(this.sideEffectsAt(now, transition !== null));
    return true;
  }

  /** Called each minute through the plane's first Prober: keeps the alarm judging heartbeats even if none ever arrives. */
  async watchHeartbeats(planeId: string): Promise<void> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => ensurePlaneRow(this.sql, planeId, now));
    await this.wakeBy(this.judgeHeartbeats(plane, now));
  }

  /**
   * Opens (or replaces) the maintenance window set through the API, until `until`; the
   * transitions history records it, with who set it. Answers the window the plane is in then.
   */
  async setMaintenance(planeId: string, window: Omit<RuntimeWindow, "setAt">): Promise<ActiveMaintenance | null> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return null;
    const now = Date.now();
    const runtime: RuntimeWindow = { ...window, setAt: now };
    return this.changeMaintenance(plane, now, runtime, {
      from: now,
      until: runtime.until,
      reason: runtime.reason,
      source: "api",
      setBy: runtime.setBy,
      change: "set",
    });
  }

  /**
   * Ends the window set through the API now (a config window goes on); the transitions history
   * records who ended it. Answers the window the plane is still in, if any.
   */
  async endMaintenance(planeId: string, endedBy: string): Promise<ActiveMaintenance | null> {
    const plane = findPlane(this.env, planeId);
    if (!plane) return null;
    const now = Date.now();
    const { runtime } = readAnnotations(this.sql);
    if (!runtime || runtime.until <= now) return this.transactionalMaintenance(plane, now);
    return this.changeMaintenance(plane, now, null, {
      from: runtime.setAt,
      until: now,
      reason: runtime.reason,
      source: "api",
      setBy: endedBy,
      change: "ended",
    });
  }

  private async changeMaintenance(
    plane: PlaneConfig,
    now: number,
    runtime: RuntimeWindow | null,
    note: MaintenanceNote,
  ): Promise<ActiveMaintenance | null> {
    const open = this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, plane.id, now);
      writeAnnotations(this.sql, { ...readAnnotations(this.sql), runtime });
      recordMaintenanceChange(this.sql, plane.id, note, now);
      this.evaluate(plane, now, true);
      return readAnnotations(this.sql).open;
    });
    await this.wakeBy(this.sideEffectsAt(now, true));
    return open;
  }

  private transactionalMaintenance(plane: PlaneConfig, now: number): ActiveMaintenance | null {
    return this.ctx.storage.transactionSync(() => {
      ensurePlaneRow(this.sql, plane.id, now);
      this.evaluate(plane, now);
      return readAnnotations(this.sql).open;
    });
  }

  /** The plane as it is now, with recent transitions. */
  async detail(planeId: string): Promise<{ snapshot: PlaneSnapshot; transitions: Transition[] }> {
    if (!planeRow(this.sql)) return { snapshot: emptySnapshot(planeId), transitions: [] };
    const plane = findPlane(this.env, planeId);
    if (plane) this.ctx.storage.transactionSync(() => this.evaluate(plane, Date.now()));
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
    this.lastSideEffectsAt = now;
    const { asyncWake, changed } = await followAsync(this.storage(), plane);
    const nextJudgement = this.judgeHeartbeats(plane, now);
    const { reviewAt } = this.ctx.storage.transactionSync(() => this.evaluate(plane, now, changed));
    const next = Math.min(
      asyncWake,
      nextJudgement,
      reviewAt,
      await this.publish(now),
      await flushOutbox(this.sql, this.env.DB, now),
      await this.writeHeldHours(plane.id, now),
      await sendAlerts(this.sql, alertPolicy(this.env), (alerts) => this.deliver(alerts), now),
      // After the next burst of reports, which then finds the alarm armed.
      this.nextReportAt(plane, now) + this.sideEffectIntervalMs / 2,
    );
    // A report during this run's awaits may have asked for an earlier wake-up: keep it.
    if (Number.isFinite(next)) await this.wakeBy(next);
  }

  /**
   * Evaluates now: the maintenance window, the status, the flapping flag, and the alerts they
   * call for, queued; inside the caller's transaction. `reviewAt` is when any of them can next
   * change with time alone.
   */
  private evaluate(plane: PlaneConfig, now: number, changed = false): ReturnType<typeof evaluateNow> {
    const kept = readAnnotations(this.sql);
    const windows = plane.maintenance ?? [];
    const open = activeMaintenance(windows, kept.runtime, now);
    const evaluation = evaluateNow(this.sql, plane, now, open);
    // Results, counters and pending requests the snapshot shows (`changed`), the status or its expiry.
    if (changed || evaluation.transition || evaluation.expiresAt !== this.expiresAt) this.markChanged();
    this.expiresAt = evaluation.expiresAt;
    const policy = flapPolicyOf(plane);
    const changes = recentChanges(evaluation.transition ? [...kept.changes, now] : kept.changes, policy, now);
    const flapping = isFlapping(changes, policy, now, kept.flappingSince !== null);
    const flappingSince = flapping ? (kept.flappingSince ?? now) : null;
    const row = planeRow(this.sql)!;
    const alertState = queueAlerts(this.sql, alertPolicy(this.env), kept, {
      plane: plane.id,
      now,
      status: row.status,
      since: row.since,
      transition: evaluation.transition,
      failing: evaluation.failing,
      maintenance: open !== null,
      flapping,
      flappingSince: flappingSince ?? now,
    });
    const runtime = kept.runtime && kept.runtime.until > now ? kept.runtime : null;
    const noted = { runtime, open, changes, flappingSince, flappingAlerted: alertState.flappingAlerted, held: alertState.held };
    // Each row written is billed: most evaluations change none of this.
    if (JSON.stringify(noted) !== JSON.stringify(kept)) writeAnnotations(this.sql, noted);
    // The snapshot shows the window and the flag: a change of either must be published.
    if (JSON.stringify(open) !== JSON.stringify(kept.open) || flapping !== (kept.flappingSince !== null)) this.markChanged();
    const reviewAt = Math.min(evaluation.reviewAt, nextMaintenanceChange(windows, runtime, now), nextFlapReview(changes, policy, now));
    return { ...evaluation, reviewAt };
  }

  /**
   * Writes the hours being counted that changed since this instance last wrote them, at most
   * every heldHoursIntervalMs; says when to come back.
   */
  private async writeHeldHours(planeId: string, now: number): Promise<number> {
    let writtenAt = planeRow(this.sql)?.hours_written_at ?? null;
    if (writtenAt === null) {
      // A plane's first write falls at a random point of its first interval, kept: planes started together spread
      // their writes, and an instance evicted between reports does not draw it again.
      writtenAt = now - Math.random() * this.heldHoursIntervalMs;
      this.sql.exec("UPDATE plane SET hours_written_at = ? WHERE id = 1", writtenAt);
    }
    const due = writtenAt + this.heldHoursIntervalMs;
    if (now < due) return due;
    const seriesOf = (h: HourRollup) => `${h.region}\n${h.probe}`;
    const stateOf = (h: HourRollup) => `${h.hour} ${h.runs + h.maintenanceRuns}`;
    const changed = heldHours(this.sql, planeId).filter((h) => this.heldHoursWritten.get(seriesOf(h)) !== stateOf(h));
    if (changed.length === 0) return Infinity;
    try {
      await writeHistory(this.env.DB, [], [], changed);
    } catch (error) {
      logError(this.env, `planewatch: writing the hours of ${planeId} being counted failed, will retry: ${String(error)}`);
      return now + HELD_HOURS_RETRY_MS;
    }
    this.sql.exec("UPDATE plane SET hours_written_at = ? WHERE id = 1", now);
    for (const h of changed) this.heldHoursWritten.set(seriesOf(h), stateOf(h));
    return now + this.heldHoursIntervalMs;
  }

  private deliver(alerts: QueuedAlert[]): Promise<Set<string>> {
    const events = alerts.map(({ id, alert }) => ({ id, event: alertEvent(alert) }));
    return reportFromObject(this.ctx, this.env, { entry_point: "Plane.alarm", plane: this.ctx.id.name }, () => deliverEvents(events));
  }

  /** When the next report is expected, from the latest results of the probes a Prober reports as they run. */
  private nextReportAt(plane: PlaneConfig, now: number): number {
    const periods = new Map(plane.probes.filter((p) => isPulled(p) && !settlesLater(p)).map((p) => [probeName(p), p.periodSeconds * 1000]));
    const runs = latestResults(this.sql).flatMap(({ probe, at, latencyMs }) => {
      const periodMs = periods.get(probe);
      return periodMs === undefined ? [] : [{ at, latencyMs, periodMs }];
    });
    return nextExpectedReport(runs, now);
  }

  /** Records the verdicts on heartbeats whose deadline passed; says when the next one is due. */
  private judgeHeartbeats(plane: PlaneConfig, now: number): number {
    return this.ctx.storage.transactionSync(() => {
      const { recorded, nextJudgement } = judgeHeartbeats(this.sql, plane, now, (name) => readSecret(this.env, name) !== undefined);
      if (recorded > 0) this.evaluate(plane, now, true);
      return nextJudgement;
    });
  }

  /** The histogram's bounds; refused bounds (readiness says why) freeze it rather than change its buckets. */
  private latencyBounds(): readonly number[] | null {
    const buckets = latencyBuckets(this.env.LATENCY_BUCKETS);
    return buckets.ok ? buckets.bounds : null;
  }

  /** What the flows kept in this object's storage (async requests) use of it. */
  private storage(): ObjectStorage {
    return { sql: this.sql, env: this.env, transaction: (run) => this.ctx.storage.transactionSync(run), recording: () => this.recording() };
  }

  private recording(): Recording {
    return { latencyBounds: this.latencyBounds(), redact: redactSecrets(this.env) };
  }

  private snapshot(): PlaneSnapshot {
    const row = planeRow(this.sql)!;
    const probes = probeSnapshot(this.sql);
    const annotations = readAnnotations(this.sql);
    return {
      plane: row.plane,
      version: this.version,
      status: row.status,
      since: row.since,
      expiresAt: this.expiresAt,
      results: probes.results,
      counters: [...readCounters(this.sql), ...probes.runs],
      gauges: [{ name: "planewatch_async_pending", labels: {}, value: pendingCount(this.sql) }],
      histograms: probes.histograms,
      firstTokenHistograms: probes.firstTokenHistograms,
      maintenance: annotations.open,
      flapping: annotations.flappingSince !== null,
    };
  }

  /**
   * Sends the snapshot to the Summary shard if it changed since the last send; says when to come
   * back: to retry, or because a report changed the snapshot while it was on its way (that report
   * found this alarm set and armed none).
   */
  private async publish(now: number): Promise<number> {
    const row = planeRow(this.sql);
    const { version } = this;
    if (!row || version === this.publishedVersion) return Infinity;
    try {
      await summaryStubFor(this.env, row.plane).put(this.snapshot());
    } catch (error) {
      logError(this.env, `planewatch: publishing ${row.plane} failed, will retry: ${String(error)}`);
      return now + PUBLISH_RETRY_MS;
    }
    this.publishedVersion = Math.max(this.publishedVersion, version);
    return this.version === version ? Infinity : this.sideEffectsAt(Date.now(), false);
  }

  /** Something the snapshot shows changed: the next publish must send it. */
  private markChanged(): void {
    this.version = Math.max(this.version + 1, Date.now());
  }

  /** When the alarm should next publish and flush, after a change (`urgent`: the status changed). */
  private sideEffectsAt(now: number, urgent: boolean): number {
    const soonest = now + SIDE_EFFECT_DELAY_MS;
    return urgent ? soonest : Math.max(soonest, this.lastSideEffectsAt + this.sideEffectIntervalMs);
  }

  /** Makes sure the alarm fires no later than `latest`, arming it for `at` if it would not (each setAlarm is a billed row). */
  private async wakeBy(at: number, latest = at): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > latest) await this.ctx.storage.setAlarm(at);
  }
}
