/**
 * Section 10, detection latency: N planes × 3 regions, one HTTP probe each every 10 s (timeout
 * 5 s, failureThreshold 1, so one failed run per region fails it). Once every plane reads OK,
 * the target switches to 503 at time T; /api/v1/status is polled until every plane reads
 * otherwise. Per plane: T → the first answer that shows it (what a client of the API sees),
 * and T → the change the Plane object records (`since`).
 */
import { httpPlanes, sleep, waitFor, withMesh } from "./common.ts";
import { percentile } from "./stats.ts";
import type { Target } from "./target.ts";

export const DETECTION_PERIOD_SECONDS = 10;
export const DETECTION_TIMEOUT_SECONDS = 5;
/** The bound: period + timeout + 2 s. */
export const DETECTION_BOUND_MS = (DETECTION_PERIOD_SECONDS + DETECTION_TIMEOUT_SECONDS + 2) * 1000;

export interface DetectionRow {
  planes: number;
  /** T → first API answer showing the plane not OK, per plane. */
  observedMs: { median: number; max: number };
  /** T → the status change the Plane object recorded (`since`), per plane. */
  changedMs: { median: number; max: number };
  /** Planes still OK when the wait gave up (0 when every plane was seen to change). */
  missed: number;
  /** Time between polls of /api/v1/status (each a read of every Summary shard). */
  pollMs: number;
  /** Polls the mesh did not answer (an error, or a connection it closed). */
  failedPolls: number;
}

interface StatusList {
  planes: Array<{ id: string; status: string; since: string | null }>;
}

/** Every plane's status, or undefined when the mesh did not answer (counted: a client would have retried). */
async function status(url: string): Promise<StatusList["planes"] | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/status`, { signal: AbortSignal.timeout(30_000) });
    return res.ok ? ((await res.json()) as StatusList).planes : undefined;
  } catch {
    return undefined;
  }
}

function medianMax(values: number[]): { median: number; max: number } {
  return { median: percentile(values, 50), max: Math.max(...values) };
}

export async function benchDetection(target: Target, planes: number): Promise<DetectionRow> {
  const config = JSON.parse(
    httpPlanes(planes, () => `${target.url}/`, {
      periodSeconds: DETECTION_PERIOD_SECONDS,
      timeoutSeconds: DETECTION_TIMEOUT_SECONDS,
      // Spread over the period, as a real mesh's probes are.
      initialDelaySeconds: (i) => i % DETECTION_PERIOD_SECONDS,
    }),
  ) as { planes: Array<{ probes: Array<Record<string, unknown>> }> };
  for (const plane of config.planes) for (const probe of plane.probes) probe.failureThreshold = 1;
  target.answerWith(200);
  try {
    return await withMesh({ PLANES_CONFIG: JSON.stringify(config) }, async (mesh) => {
      await mesh.tick();
      const allOk = async () => (await status(mesh.url))?.every((p) => p.status === "OK") ?? false;
      await waitFor(`${planes} planes OK`, allOk, 180_000);
      // A few rounds at the steady rate before the failure, which comes at no particular point of a period.
      await sleep(2 * DETECTION_PERIOD_SECONDS * 1000 + 3_333);
      const seen = new Map<string, number>();
      const changed = new Map<string, number>();
      const polls: number[] = [];
      let failedPolls = 0;
      const t = Date.now();
      target.answerWith(503);
      const giveUp = t + 6 * DETECTION_BOUND_MS;
      while (seen.size < planes && Date.now() < giveUp) {
        const asked = Date.now();
        const planesNow = await status(mesh.url);
        if (!planesNow) failedPolls++;
        for (const p of planesNow ?? []) {
          if (p.status === "OK" || seen.has(p.id)) continue;
          seen.set(p.id, Date.now() - t);
          if (p.since !== null) changed.set(p.id, Date.parse(p.since) - t);
        }
        polls.push(Date.now() - asked);
        await sleep(200);
      }
      return {
        planes,
        observedMs: medianMax([...seen.values()]),
        changedMs: medianMax([...changed.values()]),
        missed: planes - seen.size,
        pollMs: percentile(polls, 50) + 200,
        failedPolls,
      };
    });
  } finally {
    target.answerWith(200);
  }
}
