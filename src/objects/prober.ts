import { DurableObject } from "cloudflare:workers";
import { openWebhookEndpoint, type Submission } from "../async/index.ts";
import { findPlane } from "../config/load.ts";
import { probeName, type PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { mapLimit, MAX_CONNECTIONS } from "../lib/concurrency.ts";
import { jittered } from "../lib/jitter.ts";
import { logError } from "../secrets.ts";
import { isPulled, runProbe, settlesLater, verdictDeadlineSeconds, type PulledProbe } from "../probes/registry.ts";
import { captureProbeErrors } from "../sentry/instrument.ts";
import type { ProbeResult } from "../status/model.ts";
import { CLOSED_GATE, nextGate, runnable, type StartupGate } from "../status/startup.ts";
import { couldChangeVerdict, extendRun, type OutcomeRun } from "../status/thresholds.ts";
import { withRetries } from "../probes/retry.ts";
import { upsertSql } from "../lib/sql.ts";
import { migrate } from "./migrate.ts";
import { probeContext } from "./probe_context.ts";
import { firstDueFrom, keepsTo, type Cadence } from "./prober/cadence.ts";
import { PROBER_SCHEMA, proberUnversionedVersion } from "./prober/schema.ts";
import { planeStub } from "./stubs.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A probe due within this much of now runs in the current round rather than a round of its
 * own. A new instance also takes a time this much past (at most half the period) as not yet
 * run: the alarm that woke it may be late.
 */
const DUE_SLACK_MS = 1_000;
/**
 * A result that cannot change its region's verdict waits in the Prober at most this long (each
 * instance takes a jittered part of it), so probes with short periods share one report (and
 * one transaction in the Plane object) across rounds; a result that could change it goes at
 * once. Well within the shortest status TTL (30 s), like the Plane object's side effects.
 */
const REPORT_INTERVAL_MS = 10_000;
/** After a failed report (jittered, so objects that failed together retry apart). */
const REPORT_RETRY_MS = 10_000;
/** Results (and submissions) kept back while the Plane object cannot be reached: the newest this many (a bound on the stored row). */
const MAX_UNREPORTED = 1_000;

type Identity = {
  plane: string;
  region: string;
};

interface ProberState {
  identity: Identity | undefined;
  /** Next due time of each probe, by name, from its first round in this instance on. */
  schedule: Map<string, number>;
  /** Each probe's cadence as stored, by name: written only when a next due time leaves it. */
  cadences: Map<string, Cadence>;
  gate: StartupGate;
  /** Results not yet reported, oldest first; stored at the end of a round that changed them, so a restart loses none. */
  unreported: ProbeResult[];
  /** Async submissions of a report that failed, stored likewise: without them the Plane object could not poll the request or forget a refused one. */
  unsent: Submission[];
  /**
   * Stored with them: the time before which every probe that may run has run (the alarm the
   * round set). A new instance takes it, when there is one, rather than guess from the clock.
   */
  resumeAt: number | null;
  /** What storage holds of the three (JSON; "" when nothing is kept back), to write them only when they change. */
  storedKeptBack: string;
  /** The run each probe is in (memory only: a new instance starts new runs, and reports them at once). */
  runs: Map<string, OutcomeRun>;
}

/**
 * Each kept-back result's or submission's JSON, made once: a round with results kept back
 * stores the whole list, and would otherwise stringify every earlier one again. They are
 * never changed once made.
 */
const jsonOf = new WeakMap<object, string>();

function jsonList(items: readonly object[]): string {
  const parts = items.map((item) => {
    let json = jsonOf.get(item);
    if (json === undefined) jsonOf.set(item, (json = JSON.stringify(item)));
    return json;
  });
  return `[${parts.join(",")}]`;
}

/** What storage holds of the kept-back lists, as one text to compare ("" when nothing is kept back). */
function keptBackText(unreported: string, unsent: string, resumeAt: number | null): string {
  return `${unreported}\n${unsent}\n${resumeAt}`;
}

/** A probe as the startup gate sees it. */
function gated(probe: PulledProbe) {
  return { ...probe, name: probeName(probe) };
}

/**
 * One per (plane, region), created with the region as its location hint, so the plane is
 * probed from there with this object's own connection and subrequest budget. Its alarm runs
 * each probe on its own period (sub-minute periods included); the cron's tick is the watchdog
 * that (re)arms it. It keeps the plane's startup gate for its region (src/status/startup.ts).
 */
export class Prober extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /**
   * What the storage holds, read once per instance: the alarm runs every few seconds, and a
   * read of storage at its start costs more than the probe's own fetch. Every write goes
   * through this instance, so the copy stays true.
   */
  private state: ProberState | undefined;
  private readonly reportIntervalMs = jittered(REPORT_INTERVAL_MS);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(ctx.storage, PROBER_SCHEMA, proberUnversionedVersion);
  }

  private loaded(): ProberState {
    if (this.state) return this.state;
    const kept = this.sql
      .exec<{ unreported: string; unsent: string; resume_at: number | null }>("SELECT unreported, unsent, resume_at FROM kept_back")
      .toArray()[0];
    const unreported = kept ? (JSON.parse(kept.unreported) as ProbeResult[]) : [];
    const unsent = kept ? (JSON.parse(kept.unsent) as Submission[]) : [];
    const resumeAt = kept?.resume_at ?? null;
    this.state = {
      identity: this.sql.exec<Identity>("SELECT plane, region FROM identity").toArray()[0],
      schedule: new Map(),
      cadences: new Map(
        this.sql
          .exec<{ probe: string; anchor: number; period_ms: number }>("SELECT * FROM cadence")
          .toArray()
          .map((c) => [c.probe, { anchor: c.anchor, periodMs: c.period_ms }]),
      ),
      gate:
        this.sql
          .exec<{ gate: string }>("SELECT gate FROM startup_gate")
          .toArray()
          .map((r) => JSON.parse(r.gate) as StartupGate)[0] ?? CLOSED_GATE,
      unreported,
      unsent,
      resumeAt,
      storedKeptBack: kept ? keptBackText(kept.unreported, kept.unsent, resumeAt) : "",
      runs: new Map(),
    };
    return this.state;
  }

  /**
   * Stores what is kept back if the round changed it: in the steady state (everything reported
   * at once) a round writes no row, since rows written are billed, and a statement costs about
   * as much CPU as the probe's own fetch.
   */
  private saveKeptBack(wake: number): void {
    const state = this.loaded();
    const { unreported, unsent } = state;
    state.resumeAt = Number.isFinite(wake) ? wake : null;
    const [unreportedJson, unsentJson] = [jsonList(unreported), jsonList(unsent)];
    const kept = unreported.length > 0 || unsent.length > 0 ? keptBackText(unreportedJson, unsentJson, state.resumeAt) : "";
    if (kept === state.storedKeptBack) return;
    if (kept === "") this.sql.exec("DELETE FROM kept_back");
    else {
      const columns = ["unreported", "unsent", "resume_at"];
      this.sql.exec(upsertSql("kept_back", ["id"], columns), 1, unreportedJson, unsentJson, state.resumeAt);
    }
    state.storedKeptBack = kept;
  }

  /** Makes `next` the probe's next due time, storing a new cadence only when it is not one of the stored cadence's times. */
  private dueAt(name: string, next: number, periodMs: number): void {
    const { schedule, cadences } = this.loaded();
    schedule.set(name, next);
    if (keepsTo(cadences.get(name), next, periodMs)) return;
    this.sql.exec(upsertSql("cadence", ["probe"], ["anchor", "period_ms"]), name, next, periodMs);
    cadences.set(name, { anchor: next, periodMs });
  }

  /**
   * Called every minute by the scheduler: arms the alarm if nothing is armed. The plane's first
   * region also keeps its Plane object watching for heartbeats, so silence is noticed even
   * when nothing ever beat. Writes nothing else once the object knows who it is: the tick reaches
   * every object every minute, and a write there would be a billed row per object per minute.
   */
  async tick(plane: string, region: string): Promise<void> {
    const state = this.loaded();
    if (!state.identity) {
      this.sql.exec("INSERT INTO identity (id, plane, region) VALUES (1, ?, ?)", plane, region);
      state.identity = { plane, region };
    }
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    const config = findPlane(this.env, plane);
    if (config?.regions[0] === region && config.probes.some((p) => !isPulled(p))) await planeStub(this.env, plane).watchHeartbeats(plane);
  }

  /** Runs the probes that are due, reports them to the Plane object, and sleeps until the next one. */
  override async alarm(): Promise<void> {
    const state = this.loaded();
    const { identity } = state;
    if (!identity) return;
    const plane = findPlane(this.env, identity.plane);
    if (!plane?.regions.includes(identity.region as never)) {
      // No longer configured here: stop for good (the cron no longer ticks this object).
      await this.ctx.storage.deleteAll();
      this.state = undefined;
      return;
    }
    const now = Date.now();
    const probes = plane.probes.filter(isPulled).map(gated);
    const schedule = this.schedule(probes, now);
    const due = runnable(probes, state.gate).filter((p) => schedule.get(p.name)! <= now + DUE_SLACK_MS);
    const { results, submissions } = await this.run(plane, identity.region, due);
    captureProbeErrors(this.ctx, this.env, results);
    const newGate = nextGate(state.gate, probes, results);
    if (JSON.stringify(newGate) !== JSON.stringify(state.gate)) {
      this.sql.exec("INSERT OR REPLACE INTO startup_gate (id, gate) VALUES (1, ?)", JSON.stringify(newGate));
      state.gate = newGate;
    }

    const after = Date.now();
    for (const probe of due) {
      const period = probe.periodSeconds * 1000;
      // Keep the cadence of the period: a round that ran long (or an alarm that came late) skips
      // the times it missed, as a scrape loop does, and stores nothing. Starting a new cadence
      // from the round's end would store one at every round of a mesh past its capacity.
      const cadence = { anchor: schedule.get(probe.name)!, periodMs: period };
      this.dueAt(probe.name, firstDueFrom(cadence, Math.max(after, cadence.anchor + period)), period);
    }
    // Probes the gate holds back wake nothing; the first ones it lets through may be overdue and run at once.
    const wake = Math.min(...runnable(probes, newGate).map((p) => schedule.get(p.name)!));
    const retryAt = await this.report(plane, results, submissions, wake);
    this.saveKeptBack(wake);
    const next = Math.min(wake, retryAt);
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  /**
   * Sends the round's results and submissions to the Plane object, with any kept back before;
   * or keeps them back while none of them can change a verdict and the next round comes
   * before the oldest is due. Async submissions always go at once: the Plane object judges
   * them. Kept-back results stay in `unreported` (stored at the end of the round); when the report
   * fails they and its submissions stay, and the answer is when to try again (Infinity when
   * nothing waits). A re-sent result or submission changes nothing more in the Plane object
   * than the first.
   */
  private async report(plane: PlaneConfig, results: ProbeResult[], submissions: Submission[], nextWake: number): Promise<number> {
    const state = this.loaded();
    const pending = [...state.unreported, ...results].slice(-MAX_UNREPORTED);
    const sending = [...state.unsent, ...submissions].slice(-MAX_UNREPORTED);
    // Every result extends its probe's run: no short-circuit.
    const urgent = results.map((result) => this.couldChangeVerdict(plane, result)).includes(true);
    if (sending.length === 0 && pending.length === 0) return Infinity;
    if (sending.length === 0 && !urgent && nextWake < pending[0]!.at + this.reportIntervalMs) {
      state.unreported = pending;
      return Infinity;
    }
    try {
      await planeStub(this.env, plane.id).report(plane.id, pending, sending);
    } catch (error) {
      // Not thrown: the runtime's alarm retries give up after a few, and a probe an hour apart would hold its results that long.
      const what = `${pending.length} result(s) and ${sending.length} submission(s) of ${plane.id}`;
      logError(this.env, `planewatch: reporting ${what} failed, kept for retry: ${String(error)}`);
      state.unreported = pending;
      state.unsent = sending;
      return Date.now() + jittered(REPORT_RETRY_MS);
    }
    state.unreported = [];
    state.unsent = [];
    return Infinity;
  }

  /**
   * Extends the probe's run. Results of a kind the Plane object settles later always count: the
   * Plane object also sees their settled results, which this object never does.
   */
  private couldChangeVerdict(plane: PlaneConfig, result: ProbeResult): boolean {
    const { runs } = this.loaded();
    const run = extendRun(runs.get(result.probe), result);
    runs.set(result.probe, run);
    const probe = plane.probes.find((p) => probeName(p) === result.probe);
    return probe === undefined || settlesLater(probe) || couldChangeVerdict(run, probe);
  }

  /**
   * Next due time of every configured probe. A probe seen for the first time waits its initial
   * delay. A new instance finds the next due time from the stored cadence: its first time from
   * when the last round left off, stored when something was kept back; otherwise counting a
   * time just past as not yet run (the alarm that woke it may be late).
   */
  private schedule(probes: Array<PulledProbe & { name: string }>, now: number): Map<string, number> {
    const { schedule, cadences, resumeAt } = this.loaded();
    for (const probe of probes) {
      if (schedule.has(probe.name)) continue;
      const period = probe.periodSeconds * 1000;
      const cadence = cadences.get(probe.name);
      if (cadence) schedule.set(probe.name, firstDueFrom(cadence, resumeAt ?? now - Math.min(DUE_SLACK_MS, period / 2)));
      else this.dueAt(probe.name, now + probe.initialDelaySeconds * 1000, period);
    }
    return schedule;
  }

  /**
   * Runs probes, at most six at a time. An async probe opens its request with the Plane object
   * (which will judge it) just before submitting; its submission, accepted or not, is reported
   * with the round so the Plane object knows the request id or can forget the request.
   */
  private async run(
    plane: PlaneConfig,
    region: string,
    probes: PulledProbe[],
  ): Promise<{ results: ProbeResult[]; submissions: Submission[] }> {
    const results: ProbeResult[] = [];
    const submissions: Submission[] = [];
    const settled = await mapLimit(probes, MAX_CONNECTIONS, async (probe) => {
      const name = probeName(probe);
      // Every attempt is a run of its own: its own deadline, trace and (for async) webhook endpoint.
      const attempt = async () => {
        const started = Date.now();
        let nonce: string | undefined;
        const webhookEndpoint = async () => {
          const deadline = started + verdictDeadlineSeconds(probe) * 1000;
          const opened = await openWebhookEndpoint(this.env, plane.id, { region, probe: name, submittedAt: started, deadline });
          nonce = opened.nonce;
          return opened.url;
        };
        const ctx = probeContext(this.env, plane, probe, started, webhookEndpoint);
        const outcome = await runProbe(probe, ctx);
        if (nonce !== undefined) {
          const accepted = outcome.ok && outcome.requestId !== undefined;
          submissions.push({ nonce, requestId: accepted ? outcome.requestId! : null, httpStatus: outcome.httpStatus ?? null });
        }
        return { outcome, started, trace: ctx.trace };
      };
      const { outcome, started, trace, attempts } = await withRetries(probe, attempt, sleep);
      if (outcome.ok && outcome.requestId !== undefined) return;
      results.push({
        plane: plane.id,
        region,
        probe: name,
        kind: probe.kind,
        at: started,
        ok: outcome.ok,
        reason: outcome.reason,
        latencyMs: outcome.latencyMs,
        httpStatus: outcome.httpStatus ?? null,
        message: outcome.message,
        ...(outcome.figures ? { figures: outcome.figures } : {}),
        attempts,
        traceparent: trace.traceparent,
        requestId: trace.requestId,
      });
    });
    // runProbe never rejects; a rejection here is a bug in this shell: let the alarm retry.
    for (const s of settled) if (s.status === "rejected") throw s.reason;
    return { results, submissions };
  }
}
