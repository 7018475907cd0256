import type { ActiveMaintenance } from "./maintenance.ts";
import type { PlaneStatus, ProbeResult } from "./model.ts";
import type { ProbeState } from "./thresholds.ts";

/** The latest result of one probe in one region, with its thresholded state. */
export type LatestResult = Omit<ProbeResult, "plane"> & { state: ProbeState };

/** A counter (cumulative: survives restarts, never goes backwards) or gauge kept by the Plane object. */
export interface CounterValue {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Cumulative latency histogram of one (region, probe), kept by the Plane object. */
export interface LatencyHistogram {
  region: string;
  probe: string;
  /** Bucket bounds in seconds, ascending; `+Inf` is implied. Plain number arrays keep the snapshot small. */
  bounds: number[];
  /** Observations at or below each bound (cumulative); the `+Inf` bucket is `count`. */
  counts: number[];
  /** Sum of the observed latencies, in seconds. */
  sum: number;
  count: number;
}

/**
 * Everything the outputs need about one plane, published by its Plane object to a Summary
 * shard. `version` grows with every change so an older snapshot never replaces a newer one.
 */
export interface PlaneSnapshot {
  plane: string;
  version: number;
  status: PlaneStatus;
  since: number;
  expiresAt: number | null;
  results: LatestResult[];
  counters: CounterValue[];
  gauges: CounterValue[];
  histograms: LatencyHistogram[];
  /** Times to first token of the probes that stream chat completions, counted as the latencies are; absent in snapshots from before them. */
  firstTokenHistograms?: LatencyHistogram[];
  /** The maintenance window the plane is in, null outside any (absent from snapshots older than windows). */
  maintenance?: ActiveMaintenance | null;
  /** Whether the plane changes status too often to alert on each change. */
  flapping?: boolean;
}

/** A plane that has never reported: nothing known yet. */
export function emptySnapshot(plane: string): PlaneSnapshot {
  return {
    plane,
    version: 0,
    status: "NO_VALUE",
    since: 0,
    expiresAt: null,
    results: [],
    counters: [],
    gauges: [],
    histograms: [],
    maintenance: null,
    flapping: false,
  };
}
