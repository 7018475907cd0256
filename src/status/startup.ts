/**
 * Kubernetes' probe roles. A startup probe gates every other probe of the plane in its region
 * until it first succeeds there; liveness and readiness are checks like any other, and a
 * liveness probe that fails `failureThreshold` times in a row re-arms the startup gate (where
 * Kubernetes would restart the container).
 */
export const ROLES = ["liveness", "readiness", "startup"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Kubernetes' startup gating, per region (one Prober object): while a plane has a startup
 * probe that has not yet succeeded there, only startup probes run; the others report nothing,
 * so they count neither way in the status. The first success opens the gate: the startup
 * probes stop (as Kubernetes stops them) and the others start on their own schedule. A
 * liveness probe failing `failureThreshold` times in a row closes it again: Kubernetes would
 * restart the container, so the mesh expects the plane to come back through its startup probe.
 */
export interface StartupGate {
  open: boolean;
  /** Consecutive failures of each liveness probe since the gate opened. */
  livenessFailures: Record<string, number>;
}

export const CLOSED_GATE: StartupGate = { open: false, livenessFailures: {} };

export interface GatedProbe {
  name: string;
  role?: Role;
  failureThreshold: number;
}

/** The probes that may run under this gate. A plane without a startup probe is never gated. */
export function runnable<P extends GatedProbe>(probes: readonly P[], gate: StartupGate): P[] {
  if (!probes.some((p) => p.role === "startup")) return [...probes];
  return probes.filter((p) => (p.role === "startup") !== gate.open);
}

/** The gate after a round of results from this region. */
export function nextGate(
  gate: StartupGate,
  probes: readonly GatedProbe[],
  results: ReadonlyArray<{ probe: string; ok: boolean }>,
): StartupGate {
  const byName = new Map(probes.map((p) => [p.name, p]));
  if (!gate.open) {
    const started = results.some((r) => r.ok && byName.get(r.probe)?.role === "startup");
    return started ? { open: true, livenessFailures: {} } : gate;
  }
  const livenessFailures = { ...gate.livenessFailures };
  for (const result of results) {
    const probe = byName.get(result.probe);
    if (probe?.role !== "liveness") continue;
    livenessFailures[result.probe] = result.ok ? 0 : (livenessFailures[result.probe] ?? 0) + 1;
    if (livenessFailures[result.probe]! >= probe.failureThreshold && probes.some((p) => p.role === "startup")) return CLOSED_GATE;
  }
  return { open: true, livenessFailures };
}
