import { failureClass, PUSH_REGION, worse, type FailingProbe, type PlaneStatus } from "./model.ts";
import type { ProbeState } from "./thresholds.ts";

/** What the status of a plane is judged by: its regions, quorum, expiry and probes. */
export interface PlanePolicy {
  regions: readonly string[];
  quorum: number;
  ttlMs: number;
  /** `regional: false` (heartbeats): results come from PUSH_REGION, one verdict for the plane. */
  probes: ReadonlyArray<{ name: string; critical: boolean; regional?: boolean }>;
}

/** The latest thresholded state of one probe in one region, and when its result was taken. */
export interface LatestState {
  region: string;
  probe: string;
  at: number;
  state: ProbeState;
}

export interface Evaluation {
  status: PlaneStatus;
  /** When the status turns NO_VALUE if no new result arrives; null once it has. */
  expiresAt: number | null;
  failing: FailingProbe[];
  /** The next moment the evaluation can change on its own (a result going stale, a settling window ending). */
  reviewAt: number | null;
}

/**
 * Coming out of NO_VALUE, regions report one after the other: a verdict that more reports could
 * still change (OK, DEGRADED) waits this long for every region, so the status does not pass
 * through DEGRADED on its way to OK or FAILED.
 */
export const SETTLE_MS = 30_000;

function isFresh(policy: PlanePolicy, entry: LatestState, now: number): boolean {
  return now - entry.at < policy.ttlMs;
}

/** Entries that belong to the current policy (config may have dropped a region or probe). */
function relevant(policy: PlanePolicy, entries: readonly LatestState[]): LatestState[] {
  const regions = new Set(policy.regions);
  const regional = new Map(policy.probes.map((p) => [p.name, p.regional !== false]));
  return entries.filter((e) => regional.has(e.probe) && (regional.get(e.probe) ? regions.has(e.region) : e.region === PUSH_REGION));
}

/**
 * The plane's status from the latest state of every (region, probe):
 * - only results younger than the TTL count; none at all is NO_VALUE;
 * - a critical probe failing in more regions than the quorum can spare breaks the plane, with
 *   the class of its failures (NO_USER > NO_ORACLE > FAILED); a pushed (non-regional) critical
 *   probe breaks it by failing at all, since its one verdict stands for every region;
 * - any other failure (fewer regions, or a non-critical probe) is DEGRADED;
 * - a region with no fresh result counts neither way;
 * - coming out of NO_VALUE (`previous`), OK or DEGRADED waits until every region has reported
 *   every critical probe, or SETTLE_MS after the first fresh result; a break shows at once.
 */
export function evaluatePlane(policy: PlanePolicy, entries: readonly LatestState[], now: number, previous: PlaneStatus = "OK"): Evaluation {
  const fresh = relevant(policy, entries).filter((e) => isFresh(policy, e, now));
  if (fresh.length === 0) return { status: "NO_VALUE", expiresAt: null, failing: [], reviewAt: null };
  const spare = policy.regions.length - policy.quorum;
  let status: PlaneStatus = "OK";
  const failing: FailingProbe[] = [];
  for (const probe of policy.probes) {
    const failed = fresh.filter((e) => e.probe === probe.name && e.state.verdict === "fail");
    if (failed.length === 0) continue;
    const reasons = failed.map((e) => e.state.failReason ?? "failed");
    failing.push(...failed.map((e, i) => ({ region: e.region, probe: e.probe, reason: reasons[i]! })));
    const breaksQuorum = probe.regional === false ? failed.length > 0 : failed.length > spare;
    status = worse(status, probe.critical && breaksQuorum ? reasons.map(failureClass).reduce<PlaneStatus>(worse, "OK") : "DEGRADED");
  }
  const times = fresh.map((e) => e.at);
  const expiresAt = Math.max(...times) + policy.ttlMs;
  const staleAt = Math.min(...times) + policy.ttlMs;
  const settledAt = Math.min(...times) + SETTLE_MS;
  if (previous === "NO_VALUE" && (status === "OK" || status === "DEGRADED") && now < settledAt && !complete(policy, fresh)) {
    return { status: "NO_VALUE", expiresAt, failing, reviewAt: Math.min(staleAt, settledAt) };
  }
  return { status, expiresAt, failing, reviewAt: staleAt };
}

/** Every critical probe has a fresh result from every region. */
function complete(policy: PlanePolicy, fresh: readonly LatestState[]): boolean {
  const seen = new Set(fresh.map((e) => `${e.region}/${e.probe}`));
  return policy.probes
    .filter((p) => p.critical)
    .every((p) => (p.regional === false ? [PUSH_REGION] : policy.regions).every((r) => seen.has(`${r}/${p.name}`)));
}

/** A region's own view: the same rules without the quorum. */
export function evaluateRegion(policy: PlanePolicy, entries: readonly LatestState[], region: string, now: number): PlaneStatus {
  const fresh = relevant(policy, entries).filter((e) => e.region === region && isFresh(policy, e, now));
  if (fresh.length === 0) return "NO_VALUE";
  const critical = new Set(policy.probes.filter((p) => p.critical).map((p) => p.name));
  return fresh
    .filter((e) => e.state.verdict === "fail")
    .map((e): PlaneStatus => (critical.has(e.probe) ? failureClass(e.state.failReason ?? "failed") : "DEGRADED"))
    .reduce(worse, "OK");
}

/** What a reader of a stored status sees: NO_VALUE once it has expired, whoever stored it. */
export function effectiveStatus(stored: { status: PlaneStatus; expiresAt: number | null }, now: number): PlaneStatus {
  return stored.expiresAt !== null && now >= stored.expiresAt ? "NO_VALUE" : stored.status;
}
