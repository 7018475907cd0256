import { probeName, type PlaneConfig } from "../config/schema.ts";
import type { HeartbeatProbe } from "../probes/heartbeat.ts";
import { judgeBeat, judgeSilence, nextJudgement, type HeartbeatState } from "./judge.ts";
import type { ProbeOutcome } from "../probes/types.ts";
import { PUSH_REGION } from "../status/model.ts";
import { recordResult } from "../objects/plane/state.ts";

/** Heartbeats of the plane's push probes, in the Plane object's storage: when each was last heard and judged (table: src/objects/plane/schema.ts). */

type HeartbeatRow = { probe: string; watching_since: number; last_beat: number | null; judged_at: number | null; judged_ok: number | null };

function heartbeatProbes(plane: PlaneConfig): HeartbeatProbe[] {
  return plane.probes.filter((p): p is HeartbeatProbe => p.kind === "heartbeat");
}

/** The plane's heartbeat probe of that name, if it has one. */
export function heartbeatProbe(plane: PlaneConfig, name: string): HeartbeatProbe | undefined {
  return heartbeatProbes(plane).find((p) => probeName(p) === name);
}

function stateOf(row: HeartbeatRow): HeartbeatState {
  return {
    watchingSince: row.watching_since,
    lastBeat: row.last_beat,
    lastJudged: row.judged_at === null ? null : { at: row.judged_at, ok: row.judged_ok === 1 },
  };
}

/** Starts watching the plane's heartbeat probes (silence counts from now) and forgets removed ones. Returns their states. */
export function watchHeartbeats(sql: SqlStorage, plane: PlaneConfig, now: number): Map<string, HeartbeatState> {
  const probes = heartbeatProbes(plane).map(probeName);
  for (const name of probes) sql.exec("INSERT OR IGNORE INTO heartbeats (probe, watching_since) VALUES (?, ?)", name, now);
  const rows = sql.exec<HeartbeatRow>("SELECT * FROM heartbeats").toArray();
  const states = new Map<string, HeartbeatState>();
  for (const row of rows) {
    if (probes.includes(row.probe)) states.set(row.probe, stateOf(row));
    else sql.exec("DELETE FROM heartbeats WHERE probe = ?", row.probe);
  }
  return states;
}

/** A heartbeat has no latency: nothing of it goes into the latency histogram. */
const NO_LATENCY = null;

/** Stores a verdict as the probe's result from PUSH_REGION and remembers it was judged. */
function record(sql: SqlStorage, plane: PlaneConfig, probe: HeartbeatProbe, outcome: ProbeOutcome, now: number): boolean {
  const name = probeName(probe);
  sql.exec("UPDATE heartbeats SET judged_at = ?, judged_ok = ? WHERE probe = ?", now, outcome.ok ? 1 : 0, name);
  return recordResult(
    sql,
    plane,
    {
      plane: plane.id,
      region: PUSH_REGION,
      probe: name,
      kind: probe.kind,
      at: now,
      ok: outcome.ok,
      reason: outcome.reason,
      latencyMs: outcome.latencyMs,
      httpStatus: null,
      message: outcome.message,
    },
    NO_LATENCY,
  );
}

/** A beat arrived for `name`; records it as a passing result unless one was recorded moments ago. Says whether it recorded one. */
export function recordBeat(sql: SqlStorage, plane: PlaneConfig, name: string, now: number): boolean {
  const probe = heartbeatProbe(plane, name);
  const state = watchHeartbeats(sql, plane, now).get(name);
  if (!probe || !state) return false;
  sql.exec("UPDATE heartbeats SET last_beat = ? WHERE probe = ?", now, name);
  const outcome = judgeBeat(state, now);
  return outcome !== null && record(sql, plane, probe, outcome, now);
}

/**
 * The Plane alarm's heartbeat step: judges every heartbeat probe whose deadline has passed
 * (a failure `heartbeat_missed`, or `credentials_missing` when its token secret is unset).
 * Says how many results it recorded and when the next judgement is due.
 */
export function judgeHeartbeats(
  sql: SqlStorage,
  plane: PlaneConfig,
  now: number,
  tokenSet: (secretName: string) => boolean,
): { recorded: number; nextJudgement: number } {
  const states = watchHeartbeats(sql, plane, now);
  let recorded = 0;
  let next = Infinity;
  for (const probe of heartbeatProbes(plane)) {
    let state = states.get(probeName(probe))!;
    const outcome = judgeSilence(probe, state, now, tokenSet(probe.tokenSecret));
    if (outcome) {
      if (record(sql, plane, probe, outcome, now)) recorded++;
      state = { ...state, lastJudged: { at: now, ok: false } };
    }
    next = Math.min(next, nextJudgement(probe, state));
  }
  return { recorded, nextJudgement: next };
}
