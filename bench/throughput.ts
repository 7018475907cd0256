/**
 * Section 1, probe throughput: the mesh against the raw-fetch ceiling and blackbox_exporter,
 * all probing the same loopback target.
 *
 * The mesh runs `planes` x 3 regions HTTP probes every second, more than one local
 * workerd thread can do; after three rounds (every Prober object created, the rounds spread out)
 * and a warm-up window, each window counts the requests the target served and the CPU time the
 * mesh's workerd used. A window is at least one report interval of the Prober objects (they hold
 * results back 5 to 10 s and send them in one report): shorter, each window would catch a
 * different share of the reports, and the figures would depend on where it fell. The baselines are
 * then driven at the concurrency the target saw from the mesh: the raw-fetch Worker in the
 * same runtime (n fetches per invocation), blackbox_exporter through GET /probe. The floor is
 * measured as the mesh is: as many bare Durable Objects as Prober objects, each fetching the
 * target on its own alarm every second and nothing more (bench/worker.ts BareProber).
 */
import type { RunningWorker } from "../scripts/mesh.ts";
import { startBlackbox } from "./blackbox.ts";
import { httpPlanes, sleep, waitFor, withMesh } from "./common.ts";
import { spread, type Spread } from "./stats.ts";
import { cpuSeconds } from "./system.ts";
import type { Target } from "./target.ts";

export interface ThroughputOptions {
  /** Planes in the mesh (x 3 regions, one probe a second each). */
  planes: number;
  /** Measurement windows of the mesh, and their length (also that of the warm-up window before them). */
  windows: number;
  windowSeconds: number;
  /** Probes per baseline run, and runs. */
  baselineProbes: number;
  baselineRuns: number;
}

export interface Rate {
  probesPerSecond: Spread;
  cpuMsPerProbe: Spread;
}

export interface ThroughputResult {
  mesh: Rate;
  rawFetch: Rate;
  /** A probe run on a Durable Object's alarm, nothing else: the floor under the mesh. */
  bareObject: Rate;
  blackbox: Rate;
  /** Requests in flight at the target at the mesh's peak: the baselines' concurrency. */
  concurrency: number;
}

/** Fetches per raw-fetch invocation: within the free plan's 50 subrequests. */
const FETCHES_PER_INVOCATION = 50;

/** Runs `one` from `concurrency` loops until `total` probes are done; probes per second and CPU per probe. */
async function drive(concurrency: number, total: number, cpu: () => number, one: () => Promise<number>) {
  let done = 0;
  const cpu0 = cpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < total) done += await one();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rate: done / seconds, cpuMs: ((cpu() - cpu0) * 1000) / done };
}

/**
 * Probes per second and CPU per probe of `pid`'s workerd while `objects` objects probe the
 * target every second, started by `start`: after three rounds and a warm-up window, each window.
 */
async function steadyState(target: Target, pid: number, objects: number, options: ThroughputOptions, start: () => Promise<void>) {
  const first = target.served();
  await start();
  // Every object starts in the same instant, and the first rounds come in bursts while the one
  // local thread works through them; three rounds in, they have spread out into a steady rate.
  await waitFor("every object's first three rounds", () => target.served() - first >= objects * 3, 300_000);
  // A warm-up window, discarded: in the mesh, the first reports of every Prober (each result that
  // could change a verdict goes at once) and their D1 flushes come in one wave after the first rounds.
  await sleep(options.windowSeconds * 1000);
  const rates: number[] = [];
  const cpuMs: number[] = [];
  let concurrency = 1;
  for (let w = 0; w < options.windows; w++) {
    const served0 = target.served();
    const cpu0 = cpuSeconds(pid, "workerd");
    const started = performance.now();
    target.resetPeak();
    await sleep(options.windowSeconds * 1000);
    const probes = target.served() - served0;
    rates.push(probes / ((performance.now() - started) / 1000));
    cpuMs.push(((cpuSeconds(pid, "workerd") - cpu0) * 1000) / probes);
    concurrency = Math.max(concurrency, target.peakInFlight());
  }
  return { probesPerSecond: spread(rates), cpuMsPerProbe: spread(cpuMs), concurrency };
}

function measureMesh(target: Target, options: ThroughputOptions): Promise<Rate & { concurrency: number }> {
  const config = httpPlanes(options.planes, () => `${target.url}/`, { periodSeconds: 1 });
  return withMesh({ PLANES_CONFIG: config }, (mesh) => steadyState(target, mesh.pid, options.planes * 3, options, () => mesh.tick()));
}

/** As many bare objects as the mesh has Prober objects, in the bench Worker; stopped after. */
async function measureBareObjects(target: Target, bench: RunningWorker, options: ThroughputOptions): Promise<Rate> {
  const objects = options.planes * 3;
  const call = async (action: "start" | "stop") => {
    const url = `${bench.url}/bare/${action}?n=${objects}&url=${encodeURIComponent(`${target.url}/`)}`;
    const answer = await fetch(url, { method: "POST" });
    if (!answer.ok) throw new Error(`bare objects: ${action} answered ${answer.status}`);
  };
  try {
    const { probesPerSecond, cpuMsPerProbe } = await steadyState(target, bench.pid, objects, options, () => call("start"));
    return { probesPerSecond, cpuMsPerProbe };
  } finally {
    await call("stop");
  }
}

export async function benchThroughput(target: Target, bench: RunningWorker, options: ThroughputOptions): Promise<ThroughputResult> {
  const mesh = await measureMesh(target, options);
  const bareObject = await measureBareObjects(target, bench, options);
  const concurrency = mesh.concurrency;
  const rawFetch = async () => {
    const url = `${bench.url}/fetch?n=${FETCHES_PER_INVOCATION}&url=${encodeURIComponent(`${target.url}/`)}`;
    const { ok } = (await (await fetch(url)).json()) as { ok: number };
    if (ok !== FETCHES_PER_INVOCATION) throw new Error(`raw fetch: ${ok} of ${FETCHES_PER_INVOCATION} succeeded`);
    return ok;
  };
  const rawCpu = () => cpuSeconds(bench.pid, "workerd");
  // A warm-up run, discarded, as the mesh has: the first invocations compile the Worker's code.
  await drive(concurrency, concurrency * FETCHES_PER_INVOCATION * 4, rawCpu, rawFetch);
  const raw = [];
  for (let run = 0; run < options.baselineRuns; run++) raw.push(await drive(concurrency, options.baselineProbes, rawCpu, rawFetch));
  const blackbox = await startBlackbox();
  const bb = [];
  try {
    for (let run = 0; run < options.baselineRuns; run++) {
      bb.push(
        await drive(
          concurrency,
          options.baselineProbes,
          () => cpuSeconds(blackbox.pid),
          async () => {
            if (!(await blackbox.probe(`${target.url}/`)).success) throw new Error("blackbox_exporter: probe failed");
            return 1;
          },
        ),
      );
    }
  } finally {
    await blackbox.stop();
  }
  const rate = (runs: Array<{ rate: number; cpuMs: number }>): Rate => ({
    probesPerSecond: spread(runs.map((r) => r.rate)),
    cpuMsPerProbe: spread(runs.map((r) => r.cpuMs)),
  });
  return { mesh, rawFetch: rate(raw), bareObject, blackbox: rate(bb), concurrency };
}
