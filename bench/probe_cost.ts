/**
 * Section 9, cost per probe run: a metered mesh (bench/metered.ts) of N planes × 3 regions × 2
 * HTTP probes a minute against the loopback target, the minute cron fired every minute as
 * Cloudflare would. The first round creates every object and is left out; then the meter is
 * reset and a window of whole minutes is counted. Probe runs are the mesh's own count
 * (planewatch_probe_runs_total on /metrics, scraped just outside the window). The hourly
 * maintenance is fired once at the end and charged over an hour's runs.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAINTENANCE_CRON } from "../src/scheduler/cron.ts";
import { dollarsPerMillionRuns, perRun, unitsOf, WORKER_SCOPE, type Units } from "./cost.ts";
import { httpGet } from "../scripts/mesh.ts";
import { httpPlanes, samples, sleep, waitFor } from "./common.ts";
import type { MeterReading, StatementUnits } from "./meter.ts";
import { startMeteredMesh } from "./metered_mesh.ts";
import { cpuSeconds } from "./system.ts";
import type { Target } from "./target.ts";

export interface CostOptions {
  planes: number;
  /** Whole minutes measured after the warm-up. */
  minutes: number;
}

export interface CostResult {
  planes: number;
  probesPerPlane: number;
  minutes: number;
  runs: number;
  /** Of those, runs that failed (a healthy mesh against a healthy target fails none). */
  failedRuns: number;
  /** Requests the target served in the window (one per run that reached it). */
  served: number;
  runsPerHour: number;
  /** Units per probe run: the window's plus the maintenance's share. */
  perRun: Units;
  /** The maintenance's own units (probe work during it taken out), and its log line. */
  maintenance: Units;
  maintenanceLog: string;
  /** Minute ticks that failed (each tried again the next minute). */
  failedTicks: number;
  dollars: ReturnType<typeof dollarsPerMillionRuns>;
  /** Durable Object requests per run, by class and entry point. */
  requests: Array<{ scope: string; entry: string; perRun: number }>;
  /** setAlarm calls per run (each billed as a row written), by class. */
  alarmsSet: Array<{ scope: string; perRun: number }>;
  /** The statements that write most, per run. */
  statements: Array<{ statement: string; runsPerProbeRun: number; rowsWrittenPerRun: number; rowsReadPerRun: number }>;
  /** D1 rows written per run by inserts of raw results: written again when the maintenance prunes them. */
  rawInsertRowsPerRun: number;
}

export const PROBES_PER_PLANE = 2;
const MINUTE_MS = 60_000;
const MINUTE_CRON = "* * * * *";

/** Units a reading shows beyond `runs` probe runs of the window's own cost (clamped at 0). */
function beyond(units: Units, runs: number, windowPerRun: Units): Units {
  return Object.fromEntries(
    Object.entries(units).map(([k, v]) => [k, Math.max(0, v - runs * windowPerRun[k as keyof Units])]),
  ) as unknown as Units;
}

/** Probe runs so far, and failed ones, by the mesh's own counter. */
async function probeRuns(url: string): Promise<{ total: number; failed: number }> {
  const res = await httpGet(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const runs = samples(res.body.toString(), "planewatch_probe_runs_total");
  const sum = (list: typeof runs) => list.reduce((total, s) => total + s.value, 0);
  return { total: sum(runs), failed: sum(runs.filter((s) => s.labels.outcome === "failure")) };
}

const RAW_INSERT = /^[A-Za-z]+ d1: INSERT (OR \w+ )?INTO results /;

export async function benchProbeCost(target: Target, { planes, minutes }: CostOptions): Promise<CostResult> {
  // Each plane's probes start at a different second of the minute, as a real mesh's do.
  const config = httpPlanes(planes, () => `${target.url}/`, {
    periodSeconds: 60,
    timeoutSeconds: 5,
    probesPerPlane: PROBES_PER_PLANE,
    initialDelaySeconds: (i) => i % 60,
  });
  const persistDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "planewatch-cost-"));
  const mesh = await startMeteredMesh(persistDir, { PLANES_CONFIG: config });
  let ticking = true;
  const failedTicks: string[] = [];
  const ticks = (async () => {
    // Every minute from the first, as Cloudflare fires the cron; a slow tick does not shift the next.
    const started = Date.now();
    for (let minute = 0; ticking; minute++) {
      // A tick that fails is tried again the next minute, as on Cloudflare; the result says how many did.
      await mesh.fire(MINUTE_CRON).catch((error: unknown) => failedTicks.push(String(error).slice(0, 300)));
      const next = started + (minute + 1) * MINUTE_MS;
      while (ticking && Date.now() < next) await sleep(Math.min(500, next - Date.now()));
    }
  })();
  try {
    const roundRuns = planes * 3 * PROBES_PER_PLANE;
    const first = target.served();
    await waitFor(`the first round's ${roundRuns} probe runs`, () => target.served() - first >= roundRuns, 5 * MINUTE_MS);
    // One more minute: every object exists and every alarm runs on its own period.
    await sleep(MINUTE_MS);
    // The turn of an hour closes every (region, probe)'s hour at once (its rows to D1, through the outbox): once an
    // hour, not the steady state. A window that would hold it starts a minute after it instead.
    const hourMs = 60 * MINUTE_MS;
    const turn = Math.ceil(Date.now() / hourMs) * hourMs;
    if (Date.now() + (minutes + 1) * MINUTE_MS > turn) await sleep(turn + MINUTE_MS - Date.now());
    const runs0 = await probeRuns(mesh.url);
    await mesh.meter(true);
    const served0 = target.served();
    const cpu0 = cpuSeconds(mesh.pid, "workerd");
    const started = performance.now();
    await sleep(minutes * MINUTE_MS);
    const reading = await mesh.meter(true);
    const cpuMs = (cpuSeconds(mesh.pid, "workerd") - cpu0) * 1000;
    const seconds = (performance.now() - started) / 1000;
    const served = target.served() - served0;
    const runs1 = await probeRuns(mesh.url);
    const runs = runs1.total - runs0.total;
    const runsPerHour = (runs / seconds) * 3600;
    const window = unitsOf(reading, cpuMs);
    const zero = unitsOf({ scopes: {}, statements: {} }, 0);
    const windowPerRun = perRun(window, runs, zero, runsPerHour);

    const mServed0 = target.served();
    const mCpu0 = cpuSeconds(mesh.pid, "workerd");
    await mesh.fire(MAINTENANCE_CRON);
    const mReading = await mesh.meter();
    const maintenance = beyond(
      unitsOf(mReading, (cpuSeconds(mesh.pid, "workerd") - mCpu0) * 1000),
      target.served() - mServed0,
      windowPerRun,
    );
    const total = perRun(window, runs, maintenance, runsPerHour);
    return {
      planes,
      probesPerPlane: PROBES_PER_PLANE,
      minutes,
      runs,
      failedRuns: runs1.failed - runs0.failed,
      served,
      runsPerHour,
      perRun: total,
      maintenance,
      failedTicks: failedTicks.length,
      maintenanceLog: /maintenance: (.*)/.exec(mesh.logs())?.[1] ?? "(no log line)",
      dollars: dollarsPerMillionRuns(total),
      requests: requestsPerRun(reading, runs),
      alarmsSet: Object.entries(reading.scopes)
        .filter(([, scope]) => scope.alarmsSet > 0)
        .map(([scope, { alarmsSet }]) => ({ scope, perRun: alarmsSet / runs }))
        .sort((a, b) => b.perRun - a.perRun),
      statements: topStatements(reading.statements, runs),
      rawInsertRowsPerRun:
        Object.entries(reading.statements)
          .filter(([key]) => RAW_INSERT.test(key))
          .reduce((sum, [, s]) => sum + s.rowsWritten, 0) / runs,
    };
  } finally {
    ticking = false;
    await ticks;
    await mesh.stop();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

function requestsPerRun(reading: MeterReading, runs: number): CostResult["requests"] {
  return Object.entries(reading.scopes)
    .filter(([scope]) => scope !== WORKER_SCOPE)
    .flatMap(([scope, s]) => Object.entries(s.requests).map(([entry, n]) => ({ scope, entry, perRun: n / runs })))
    .sort((a, b) => b.perRun - a.perRun);
}

function topStatements(statements: Record<string, StatementUnits>, runs: number): CostResult["statements"] {
  return Object.entries(statements)
    .filter(([, s]) => s.rowsWritten > 0)
    .sort(([, a], [, b]) => b.rowsWritten - a.rowsWritten)
    .slice(0, 12)
    .map(([statement, s]) => ({
      statement,
      runsPerProbeRun: s.runs / runs,
      rowsWrittenPerRun: s.rowsWritten / runs,
      rowsReadPerRun: s.rowsRead / runs,
    }));
}
