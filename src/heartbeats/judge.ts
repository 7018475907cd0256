import type { HeartbeatProbe } from "../probes/heartbeat.ts";
import { credentialsMissing, fail, pass } from "../probes/outcome.ts";
import type { ProbeOutcome } from "../probes/types.ts";

/** What the Plane object knows of one heartbeat probe. Times are epoch milliseconds. */
export interface HeartbeatState {
  /** When the mesh started expecting beats (the probe first seen). */
  watchingSince: number;
  lastBeat: number | null;
  /** The last verdict recorded, if any. */
  lastJudged: { at: number; ok: boolean } | null;
}

/** By when the next beat must arrive: a period and the grace after the last beat (or after watching began and the initial delay). */
export function beatDeadline(probe: HeartbeatProbe, state: HeartbeatState): number {
  const from = state.lastBeat ?? state.watchingSince + probe.initialDelaySeconds * 1000;
  return from + (probe.periodSeconds + probe.graceSeconds) * 1000;
}

/**
 * When silence must next be judged: at the deadline while passing; every period while
 * failing, so consecutive misses count against the thresholds and the status stays fresh.
 */
export function nextJudgement(probe: HeartbeatProbe, state: HeartbeatState): number {
  if (state.lastJudged && !state.lastJudged.ok) return state.lastJudged.at + probe.periodSeconds * 1000;
  return beatDeadline(probe, state);
}

/** The verdict on silence at `now`, or null when nothing is due. An unset token secret means nobody can beat: NO_USER. */
export function judgeSilence(probe: HeartbeatProbe, state: HeartbeatState, now: number, tokenSet: boolean): ProbeOutcome | null {
  if (now < nextJudgement(probe, state)) return null;
  if (!tokenSet) return credentialsMissing(probe.tokenSecret);
  const since = state.lastBeat === null ? "no heartbeat yet" : `last heartbeat ${Math.round((now - state.lastBeat) / 1000)} s ago`;
  return fail("heartbeat_missed", `${since}; expected every ${probe.periodSeconds} s (+${probe.graceSeconds} s grace)`, 0);
}

/** Beats closer together than this are accepted but recorded as one result, so a sender in a loop cannot flood the history. */
export const MIN_RECORDED_BEAT_INTERVAL_MS = 10_000;

/** A beat passes the probe; it is recorded unless a passing verdict was recorded moments ago. */
export function judgeBeat(state: HeartbeatState, now: number): ProbeOutcome | null {
  const recent = state.lastJudged?.ok === true && now - state.lastJudged.at < MIN_RECORDED_BEAT_INTERVAL_MS;
  return recent ? null : pass(0, "heartbeat received");
}
