import { describe, expect, it } from "vitest";
import { CLOSED_GATE, nextGate, runnable, type GatedProbe, type StartupGate } from "../../src/status/startup.ts";

const startup: GatedProbe = { name: "healthz", role: "startup", failureThreshold: 6 };
const liveness: GatedProbe = { name: "livez", role: "liveness", failureThreshold: 3 };
const readiness: GatedProbe = { name: "readyz", role: "readiness", failureThreshold: 3 };
const predict: GatedProbe = { name: "sync_predict", failureThreshold: 1 };
const probes = [startup, liveness, readiness, predict];
const names = (ps: GatedProbe[]) => ps.map((p) => p.name);
const OPEN: StartupGate = { open: true, livenessFailures: {} };

describe("startup gating", () => {
  it("runs only the startup probes until one succeeds, then everything else and no longer them", () => {
    expect(names(runnable(probes, CLOSED_GATE))).toEqual(["healthz"]);
    expect(names(runnable(probes, OPEN))).toEqual(["livez", "readyz", "sync_predict"]);
  });

  it("never gates a plane without a startup probe", () => {
    expect(names(runnable([liveness, predict], CLOSED_GATE))).toEqual(["livez", "sync_predict"]);
  });

  it("opens on the first successful startup result, not on a failed one or another probe's success", () => {
    expect(nextGate(CLOSED_GATE, probes, [{ probe: "healthz", ok: false }])).toEqual(CLOSED_GATE);
    expect(nextGate(CLOSED_GATE, probes, [{ probe: "livez", ok: true }])).toEqual(CLOSED_GATE);
    expect(nextGate(CLOSED_GATE, probes, [{ probe: "healthz", ok: true }])).toEqual(OPEN);
  });

  it("closes again when a liveness probe fails failureThreshold times in a row (a restart is due)", () => {
    let gate = OPEN;
    gate = nextGate(gate, probes, [
      { probe: "livez", ok: false },
      { probe: "readyz", ok: false },
    ]);
    gate = nextGate(gate, probes, [{ probe: "livez", ok: false }]);
    expect(gate).toEqual({ open: true, livenessFailures: { livez: 2 } });
    // A success in between starts the count afresh.
    gate = nextGate(gate, probes, [{ probe: "livez", ok: true }]);
    gate = nextGate(gate, probes, [{ probe: "livez", ok: false }]);
    gate = nextGate(gate, probes, [{ probe: "livez", ok: false }]);
    expect(gate.open).toBe(true);
    expect(nextGate(gate, probes, [{ probe: "livez", ok: false }])).toEqual(CLOSED_GATE);
  });

  it("ignores failing readiness and other probes, and liveness when there is no startup probe to return to", () => {
    let gate = OPEN;
    for (let i = 0; i < 5; i++)
      gate = nextGate(gate, probes, [
        { probe: "readyz", ok: false },
        { probe: "sync_predict", ok: false },
      ]);
    expect(gate).toEqual(OPEN);
    for (let i = 0; i < 5; i++) gate = nextGate(gate, [liveness], [{ probe: "livez", ok: false }]);
    expect(gate.open).toBe(true);
  });
});
