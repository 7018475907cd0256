/**
 * Sections 3 and 4: one cron tick at N planes x 3 regions x P probes on a fresh mesh, and the scrapes
 * that follow.
 *
 * The tick's round is timed until every result has landed in D1 (the last step of a result:
 * Prober → Plane object → outbox → D1), read from the local D1 file beside the running
 * Worker, with the workerd CPU time it took and how many probes failed. The mesh's own log line tells how many
 * invocations the fan-out took and the most subrequests any one made. A second tick, with
 * every alarm armed, is the steady-state cost of the fan-out alone. Then, once every result
 * is published, /metrics and /federate are scraped as Prometheus does (gzip accepted): time to
 * the last byte, and bytes.
 */
import { gunzipSync } from "node:zlib";
import { httpGet } from "../scripts/mesh.ts";
import type { Env } from "../src/env.ts";
import { summaryShardCount } from "../src/objects/stubs.ts";
import { httpPlanes, localD1, samples, waitFor, withMesh } from "./common.ts";
import { spread, type Spread } from "./stats.ts";
import { cpuSeconds } from "./system.ts";
import type { Target } from "./target.ts";

/** The probes' timeout in the tick's config. */
export const TIMEOUT_SECONDS = 30;

export const REGIONS_PER_PLANE = 3;
/** One size to tick: planes (× 3 regions) with this many HTTP probes each, fresh meshes, scrapes after the first. */
export interface TickSize {
  planes: number;
  probesPerPlane: number;
  runs: number;
  scrapes: number;
}

export interface TickRow {
  planes: number;
  probesPerPlane: number;
  /** The scheduled handler, fan-out tree included, until it returned. */
  fanoutMs: Spread;
  /** Tick → every result in D1. */
  landedMs: Spread;
  cpuMsPerProbe: Spread;
  /** A tick with every alarm armed: the fan-out alone. */
  warmTickMs: Spread;
  warmTickCpuMsPerTarget: Spread;
  invocations: number;
  mostSubrequests: number;
  /** Failed probes by reason, in the run with the most ("0" when none failed). */
  failed: string;
}

export interface ScrapeRow {
  planes: number;
  probesPerPlane: number;
  path: string;
  ms: Spread;
  /** The exposition's bytes, and what crossed the wire (gzipped). */
  bytes: number;
  wireBytes: number;
  status: number;
  /** workerd CPU per scrape (user + system, the whole mesh process). */
  cpuMs: Spread;
  /** Subrequests of one scrape: one read per Summary shard (the mesh's own count). */
  subrequests: number;
}

/** The federation selectors a Prometheus server would send for the plane statuses and probe results. */
const FEDERATE = "/federate?match[]=workload_plane_health_status&match[]=probe_success&match[]=probe_duration_seconds";

/**
 * The same series by regex (re2js, each matcher run once per distinct label value): names by
 * alternation, and a plane regex that every plane's id must be run through. No `+` in it: a
 * query string reads `+` as a space.
 */
const FEDERATE_REGEX =
  '/federate?match[]={__name__=~"workload_plane_health_status|probe_(success|duration_seconds)",plane=~"bench-[0-9]{1,4}"}';

/** Scrapes as Prometheus does (gzip accepted): time to the last byte, bytes on the wire and of the exposition. */
async function scrape(
  url: string,
  runs: number,
  pid: number,
): Promise<Omit<ScrapeRow, "planes" | "probesPerPlane" | "path" | "subrequests">> {
  const times: number[] = [];
  const cpu: number[] = [];
  let last = { status: 0, bytes: 0, wireBytes: 0 };
  // A warm-up scrape, discarded: the first of a path compiles its code and loads every Summary
  // shard's snapshots into memory, which a scrape every 15 s never does again.
  await httpGet(url, { "accept-encoding": "gzip" });
  for (let i = 0; i < runs; i++) {
    const cpu0 = cpuSeconds(pid, "workerd");
    const started = performance.now();
    const res = await httpGet(url, { "accept-encoding": "gzip" });
    times.push(performance.now() - started);
    cpu.push((cpuSeconds(pid, "workerd") - cpu0) * 1000);
    const text = res.headers["content-encoding"] === "gzip" ? gunzipSync(res.body) : res.body;
    last = { status: res.status, bytes: text.byteLength, wireBytes: res.body.byteLength };
  }
  return { ms: spread(times), ...last, cpuMs: spread(cpu) };
}

export async function benchTick(
  target: Target,
  { planes, probesPerPlane, runs, scrapes }: TickSize,
): Promise<{ tick: TickRow; scrapes: ScrapeRow[] }> {
  const targets = planes * REGIONS_PER_PLANE;
  const probes = targets * probesPerPlane;
  const measured = {
    fanoutMs: [] as number[],
    landedMs: [] as number[],
    cpuMs: [] as number[],
    warmMs: [] as number[],
    warmCpu: [] as number[],
  };
  let shape = { invocations: 0, mostSubrequests: 0 };
  let failed = { count: 0, text: "0" };
  const scrapeRows: ScrapeRow[] = [];
  for (let run = 0; run < runs; run++) {
    // An hour between runs: every request the target serves and every result is the tick's round.
    // A timeout of 30 s: locally every object shares one thread, and a probe queued behind the
    // creation of thousands of objects would otherwise time out before its fetch ran.
    const config = httpPlanes(planes, () => `${target.url}/`, { periodSeconds: 3600, timeoutSeconds: TIMEOUT_SECONDS, probesPerPlane });
    await withMesh({ PLANES_CONFIG: config }, async (mesh) => {
      const d1 = localD1(mesh.persistDir);
      try {
        const cpu0 = cpuSeconds(mesh.pid, "workerd");
        const started = performance.now();
        await mesh.tick();
        measured.fanoutMs.push(performance.now() - started);
        const timeout = 60_000 + probes * 100;
        const landed = () => (d1.prepare("SELECT count(*) AS n FROM results").get() as { n: number }).n >= probes;
        await waitFor(`${probes} results in D1`, landed, timeout);
        measured.landedMs.push(performance.now() - started);
        measured.cpuMs.push(((cpuSeconds(mesh.pid, "workerd") - cpu0) * 1000) / probes);
        // A probe that failed (timed out in the queue of the one local thread) still lands.
        const reasons = d1
          .prepare("SELECT reason, count(*) AS n FROM results WHERE ok = 0 GROUP BY reason ORDER BY n DESC")
          .all() as Array<{ reason: string; n: number }>;
        const count = reasons.reduce((sum, r) => sum + r.n, 0);
        if (count > failed.count) failed = { count, text: reasons.map((r) => `${r.n} ${r.reason}`).join(", ") };

        const log = /cron ticked (\d+) probers in (\d+) invocations, at most (\d+) subrequests each/.exec(mesh.logs());
        if (!log || Number(log[1]) !== targets)
          throw new Error(`the cron did not report ticking ${targets} probers:\n${mesh.logs().slice(-2000)}`);
        shape = { invocations: Number(log[2]), mostSubrequests: Number(log[3]) };

        const warmCpu0 = cpuSeconds(mesh.pid, "workerd");
        const warmStarted = performance.now();
        await mesh.tick();
        measured.warmMs.push(performance.now() - warmStarted);
        measured.warmCpu.push(((cpuSeconds(mesh.pid, "workerd") - warmCpu0) * 1000) / targets);

        if (run === 0 && scrapes > 0) {
          // Scrape once the Summary shards hold every result (the Plane objects publish a
          // second after a report), so each scrape reads the whole mesh and queues behind nothing.
          const published = async () => samples(await (await fetch(`${mesh.url}/metrics`)).text(), "probe_success").length >= probes;
          await waitFor(`${probes} results in /metrics`, published, timeout);
          const subrequests = summaryShardCount({ PLANES_CONFIG: config } as Env);
          for (const path of ["/metrics", FEDERATE, FEDERATE_REGEX]) {
            scrapeRows.push({ planes, probesPerPlane, path, subrequests, ...(await scrape(`${mesh.url}${path}`, scrapes, mesh.pid)) });
          }
        }
      } finally {
        d1.close();
      }
    });
  }
  return {
    tick: {
      planes,
      probesPerPlane,
      fanoutMs: spread(measured.fanoutMs),
      landedMs: spread(measured.landedMs),
      cpuMsPerProbe: spread(measured.cpuMs),
      warmTickMs: spread(measured.warmMs),
      warmTickCpuMsPerTarget: spread(measured.warmCpu),
      ...shape,
      failed: failed.text,
    },
    scrapes: scrapeRows,
  };
}
