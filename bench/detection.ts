/**
 * Section 10, detection latency: N planes × 3 regions, one HTTP probe each every `periodSeconds`
 * (timeout 5 s, failureThreshold 1, so one failed run per region fails it). Once every plane reads OK,
 * the target switches to 503 at time T; /api/v1/planes/{id} of a sample of the planes is polled
 * until each reads otherwise. Per plane: T → the first answer that shows it (what a client of
 * the API sees), and T → the change the Plane object records (`since`).
 */
import { httpPlanes, sleep, waitFor, withMesh } from "./common.ts";
import { percentile } from "./stats.ts";
import type { Target } from "./target.ts";

export const DETECTION_TIMEOUT_SECONDS = 5;
/** The bound: period + timeout + 2 s. */
export const detectionBoundMs = (periodSeconds: number) => (periodSeconds + DETECTION_TIMEOUT_SECONDS + 2) * 1000;

/** A size to time: planes, and their probes' period. */
export interface DetectionSize {
  planes: number;
  periodSeconds: number;
}

export interface DetectionRow {
  planes: number;
  periodSeconds: number;
  /** T → first API answer showing the plane not OK, per plane. */
  observedMs: { median: number; max: number };
  /** T → the status change the Plane object recorded (`since`), per plane. */
  changedMs: { median: number; max: number };
  /** Planes still OK when the wait gave up (0 when every plane was seen to change). */
  missed: number;
  /** Planes polled (evenly spread, OK at T), and how long one round of polls took (median). */
  sampled: number;
  /** Planes of the sample not OK at T (left out), and the sample's statuses at T. */
  notOkAtStart: number;
  statusesAtStart: string;
  pollMs: number;
  /** Polls the mesh did not answer (an error, or a connection it closed). */
  failedPolls: number;
}

interface PlaneStatus {
  status: string;
  since: string | null;
}

/**
 * Planes polled: all up to this many, else this many spread evenly. Each poll reads one Plane
 * object; the whole list (/api/v1/status) takes seconds at 1,000 planes on a loaded machine,
 * which would be the resolution of the figure.
 */
const SAMPLE = 100;
/** Polls in flight at once. */
const POLL_CONCURRENCY = 10;

/** A plane's status, or undefined when the mesh did not answer (counted: a client would have retried). */
async function planeStatus(url: string, id: string): Promise<PlaneStatus | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/planes/${id}`, { signal: AbortSignal.timeout(30_000) });
    return res.ok ? ((await res.json()) as PlaneStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** The statuses of `ids`, POLL_CONCURRENCY at a time. */
async function statuses(url: string, ids: readonly string[]): Promise<Array<[string, PlaneStatus | undefined]>> {
  const out: Array<[string, PlaneStatus | undefined]> = [];
  for (let i = 0; i < ids.length; i += POLL_CONCURRENCY) {
    const batch = ids.slice(i, i + POLL_CONCURRENCY);
    out.push(...(await Promise.all(batch.map(async (id) => [id, await planeStatus(url, id)] as [string, PlaneStatus | undefined]))));
  }
  return out;
}

function medianMax(values: number[]): { median: number; max: number } {
  return { median: percentile(values, 50), max: Math.max(...values) };
}

export async function benchDetection(target: Target, { planes, periodSeconds }: DetectionSize): Promise<DetectionRow> {
  const config = JSON.parse(
    httpPlanes(planes, () => `${target.url}/`, {
      periodSeconds,
      timeoutSeconds: DETECTION_TIMEOUT_SECONDS,
      // Spread over the period, as a real mesh's probes are.
      initialDelaySeconds: (i) => i % periodSeconds,
    }),
  ) as { planes: Array<{ probes: Array<Record<string, unknown>> }> };
  for (const plane of config.planes) for (const probe of plane.probes) probe.failureThreshold = 1;
  target.answerWith(200);
  try {
    return await withMesh({ PLANES_CONFIG: JSON.stringify(config) }, async (mesh) => {
      await mesh.tick();
      const step = Math.max(1, planes / SAMPLE);
      const ids = Array.from({ length: Math.min(planes, SAMPLE) }, (_, i) => `bench-${Math.floor(i * step)}`);
      const allOk = async () => (await statuses(mesh.url, ids)).every(([, p]) => p?.status === "OK");
      // A mesh past what this machine can run keeps some planes failing (probes timed out in the
      // queue of the one local thread): those are left out, and counted.
      await waitFor(`${ids.length} planes OK`, allOk, 180_000).catch(() => undefined);
      // A few rounds at the steady rate before the failure, which comes at no particular point of a period.
      await sleep(2 * periodSeconds * 1000 + 3_333);
      const atStart = await statuses(mesh.url, ids);
      const okAtStart = atStart.filter(([, p]) => p?.status === "OK").map(([id]) => id);
      const counts = new Map<string, number>();
      for (const [, p] of atStart) counts.set(p?.status ?? "no answer", (counts.get(p?.status ?? "no answer") ?? 0) + 1);
      const seen = new Map<string, number>();
      const changed = new Map<string, number>();
      const polls: number[] = [];
      let failedPolls = 0;
      const t = Date.now();
      target.answerWith(503);
      const giveUp = t + 6 * detectionBoundMs(periodSeconds);
      while (seen.size < okAtStart.length && Date.now() < giveUp) {
        const asked = Date.now();
        const waiting = okAtStart.filter((id) => !seen.has(id));
        for (const [id, p] of await statuses(mesh.url, waiting)) {
          if (!p) failedPolls++;
          if (!p || p.status === "OK") continue;
          seen.set(id, Date.now() - t);
          if (p.since !== null) changed.set(id, Date.parse(p.since) - t);
        }
        polls.push(Date.now() - asked);
        await sleep(200);
      }
      return {
        planes,
        periodSeconds,
        observedMs: medianMax([...seen.values()]),
        changedMs: medianMax([...changed.values()]),
        missed: okAtStart.length - seen.size,
        sampled: okAtStart.length,
        notOkAtStart: ids.length - okAtStart.length,
        statusesAtStart: [...counts].map(([status, n]) => `${n} ${status}`).join(", "),
        pollMs: percentile(polls, 50) + 200,
        failedPolls,
      };
    });
  } finally {
    target.answerWith(200);
  }
}
