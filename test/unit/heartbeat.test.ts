import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { beatDeadline, judgeBeat, judgeSilence, nextJudgement, type HeartbeatState } from "../../src/heartbeats/judge.ts";
import type { HeartbeatProbe } from "../../src/probes/heartbeat.ts";
import { evaluatePlane, type PlanePolicy } from "../../src/status/evaluate.ts";
import { PUSH_REGION } from "../../src/status/model.ts";

const result = validateConfig({
  planes: [
    { id: "p", regions: ["wnam"], probes: [{ kind: "heartbeat", name: "worker", tokenSecret: "WORKER_TOKEN", initialDelaySeconds: 30 }] },
  ],
});
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const probe = result.config.planes[0]!.probes[0] as HeartbeatProbe;
const S = 1000;
const T0 = 1_000_000;

describe("heartbeat judgement", () => {
  it("defaults to a beat a minute with 30 s of grace", () => {
    expect(probe).toMatchObject({ periodSeconds: 60, graceSeconds: 30, failureThreshold: 1, successThreshold: 1, critical: true });
  });

  it("expects the first beat within the initial delay, a period and the grace", () => {
    const state: HeartbeatState = { watchingSince: T0, lastBeat: null, lastJudged: null };
    expect(beatDeadline(probe, state)).toBe(T0 + 120 * S);
    expect(judgeSilence(probe, state, T0 + 119 * S, true)).toBeNull();
    expect(judgeSilence(probe, state, T0 + 120 * S, true)).toMatchObject({
      ok: false,
      reason: "heartbeat_missed",
      message: "no heartbeat yet; expected every 60 s (+30 s grace)",
    });
  });

  it("moves the deadline with every beat, and judges again every period while silent", () => {
    const beating: HeartbeatState = { watchingSince: T0, lastBeat: T0 + 50 * S, lastJudged: { at: T0 + 50 * S, ok: true } };
    expect(nextJudgement(probe, beating)).toBe(T0 + 140 * S);
    const missed = judgeSilence(probe, beating, T0 + 140 * S, true);
    expect(missed).toMatchObject({ reason: "heartbeat_missed", message: "last heartbeat 90 s ago; expected every 60 s (+30 s grace)" });
    const failing: HeartbeatState = { ...beating, lastJudged: { at: T0 + 140 * S, ok: false } };
    expect(nextJudgement(probe, failing)).toBe(T0 + 200 * S);
    expect(judgeSilence(probe, failing, T0 + 199 * S, true)).toBeNull();
  });

  it("reads an unset token secret as credentials_missing: nobody can beat", () => {
    const state: HeartbeatState = { watchingSince: T0, lastBeat: null, lastJudged: null };
    expect(judgeSilence(probe, state, T0 + 200 * S, false)).toMatchObject({
      reason: "credentials_missing",
      message: "secret WORKER_TOKEN is not set",
    });
  });

  it("records a beat as a pass, but not again within seconds of a recorded pass", () => {
    const state: HeartbeatState = { watchingSince: T0, lastBeat: T0, lastJudged: { at: T0, ok: true } };
    expect(judgeBeat(state, T0 + 5 * S)).toBeNull();
    expect(judgeBeat(state, T0 + 10 * S)).toMatchObject({ ok: true, reason: "ok", message: "heartbeat received" });
    expect(judgeBeat({ ...state, lastJudged: { at: T0 + 5 * S, ok: false } }, T0 + 6 * S)).toMatchObject({ ok: true });
  });
});

describe("a pushed probe in the status", () => {
  const policy: PlanePolicy = {
    regions: ["wnam", "weur", "apac"],
    quorum: 2,
    ttlMs: 120_000,
    probes: [
      { name: "predict", critical: true },
      { name: "worker", critical: true, regional: false },
      { name: "cron", critical: false, regional: false },
    ],
  };
  const state = (ok: boolean) =>
    ({ verdict: ok ? "pass" : "fail", successes: ok ? 1 : 0, failures: ok ? 0 : 1, failReason: ok ? null : "heartbeat_missed" }) as const;
  const entry = (region: string, probe: string, ok: boolean) => ({ region, probe, at: T0, state: state(ok) });
  const regionsPass = ["wnam", "weur", "apac"].map((r) => entry(r, "predict", true));

  it("fails the plane with one missed heartbeat: its one verdict stands for every region", () => {
    expect(evaluatePlane(policy, [...regionsPass, entry(PUSH_REGION, "worker", false)], T0)).toMatchObject({
      status: "FAILED",
      failing: [{ region: PUSH_REGION, probe: "worker", reason: "heartbeat_missed" }],
    });
    expect(evaluatePlane(policy, [...regionsPass, entry(PUSH_REGION, "worker", true)], T0).status).toBe("OK");
  });

  it("only degrades the plane for a non-critical heartbeat", () => {
    expect(evaluatePlane(policy, [...regionsPass, entry(PUSH_REGION, "cron", false)], T0).status).toBe("DEGRADED");
  });

  it("counts a heartbeat as reported, coming out of NO_VALUE, once it has its one verdict", () => {
    const onlyBeats: PlanePolicy = { ...policy, probes: [{ name: "worker", critical: true, regional: false }] };
    expect(evaluatePlane(onlyBeats, [entry(PUSH_REGION, "worker", true)], T0, "NO_VALUE").status).toBe("OK");
    expect(evaluatePlane(policy, [...regionsPass], T0, "NO_VALUE").status).toBe("NO_VALUE");
    expect(evaluatePlane(policy, [...regionsPass, entry(PUSH_REGION, "worker", true)], T0, "NO_VALUE").status).toBe("OK");
  });

  it("ignores a heartbeat result labelled with a region, and a regional probe labelled push", () => {
    expect(evaluatePlane(policy, [...regionsPass, entry("wnam", "worker", false), entry(PUSH_REGION, "predict", false)], T0).status).toBe(
      "OK",
    );
  });
});
