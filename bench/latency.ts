/**
 * Section 2, latency accuracy: the target answers after an injected delay (0, 50, 200, 1000
 * ms), and the mesh's reported probe_duration_seconds (from /metrics) is set against it,
 * next to blackbox_exporter's probe_duration_seconds for the same URLs.
 *
 * Each delay is probed by `samples` planes, and no two of the planes run in the same second
 * (their first runs are a second apart, then each waits a round of them all), so a sample
 * measures the probe, not the queue of everything else the one local workerd thread does at
 * that moment (section 1 shows the mesh under load).
 */
import { startBlackbox } from "./blackbox.ts";
import { httpPlanes, samples as metricSamples, sleep, waitFor, withMesh } from "./common.ts";
import { spread, type Spread } from "./stats.ts";
import type { Target } from "./target.ts";

const DELAYS_MS = [0, 50, 200, 1000];
/**
 * The order of the delays' slots. A probe's side effects land on whole seconds after its
 * slot (the 1000 ms one reports as the next slot starts; every Plane object publishes a
 * second after a report): in this order they fall on a probe that waits out a delay, never
 * on the 0 ms one, whose reading would then include them.
 */
const SLOT_ORDER = [0, 1000, 50, 200];

export interface LatencyRow {
  delayMs: number;
  mesh: Spread;
  blackbox: Spread;
}

export async function benchLatency(target: Target, rounds: number, samples: number): Promise<LatencyRow[]> {
  const delayOf = (i: number) => SLOT_ORDER[i % SLOT_ORDER.length]!;
  const planes = DELAYS_MS.length * samples;
  const config = httpPlanes(planes, (i) => `${target.url}/delay/${delayOf(i)}`, {
    id: (i) => `delay-${delayOf(i)}-${Math.floor(i / DELAYS_MS.length)}`,
    regions: ["wnam"],
    periodSeconds: planes,
    initialDelaySeconds: (i) => i,
  });
  const meshMs = new Map<number, number[]>(DELAYS_MS.map((d) => [d, []]));
  await withMesh({ PLANES_CONFIG: config }, async (mesh) => {
    await mesh.tick();
    const seen = new Set<string>();
    await waitFor(
      `${rounds} rounds of latency samples`,
      async () => {
        const text = await (await fetch(`${mesh.url}/metrics`)).text();
        const ranAt = new Map(metricSamples(text, "planewatch_probe_last_run_timestamp_seconds").map((s) => [s.labels.plane, s.value]));
        for (const s of metricSamples(text, "probe_duration_seconds")) {
          const delay = /^delay-(\d+)-/.exec(s.labels.plane ?? "");
          const key = `${s.labels.plane}@${ranAt.get(s.labels.plane)}`;
          if (!delay || seen.has(key)) continue;
          seen.add(key);
          meshMs.get(Number(delay[1]))!.push(s.value * 1000);
        }
        await sleep(500);
        return [...meshMs.values()].every((v) => v.length >= rounds * samples);
      },
      30_000 + rounds * planes * 1_000,
    );
  });
  const blackbox = await startBlackbox();
  try {
    const rows: LatencyRow[] = [];
    for (const delayMs of DELAYS_MS) {
      const durations: number[] = [];
      for (let n = 0; n < rounds * samples; n++)
        durations.push((await blackbox.probe(`${target.url}/delay/${delayMs}`)).durationSeconds * 1000);
      rows.push({ delayMs, mesh: spread(meshMs.get(delayMs)!), blackbox: spread(durations) });
    }
    return rows;
  } finally {
    await blackbox.stop();
  }
}
