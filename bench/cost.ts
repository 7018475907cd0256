/**
 * Billable units and what they cost (pure): a meter reading (bench/meter.ts) turned into units,
 * units per probe run, and dollars per million probe runs at bench/prices.ts.
 */
import type { MeterReading } from "./meter.ts";
import { OBJECT_GB, PRICES } from "./prices.ts";

export interface Units {
  /** Worker invocations (fetch, scheduled). */
  workerRequests: number;
  /**
   * CPU of the whole workerd process, charged as Durable Object time (128 MB): objects are
   * billed by wall time while active, not by CPU, and locally their clock leaves compute out
   * (it moves with I/O only), so the active time measured misses what this adds back. Nearly
   * all of it is the objects': the Worker's own invocations (the cron's) are a few in ten
   * thousand probe runs.
   */
  cpuMs: number;
  objectRequests: number;
  objectGbSeconds: number;
  /** SQL rows written and alarms set. */
  objectRowsWritten: number;
  objectRowsRead: number;
  d1RowsWritten: number;
  d1RowsRead: number;
  /** Fetches by the Worker and the objects: not billed, bounded per invocation. */
  subrequests: number;
}

export const UNIT_NAMES = [
  "workerRequests",
  "cpuMs",
  "objectRequests",
  "objectGbSeconds",
  "objectRowsWritten",
  "objectRowsRead",
  "d1RowsWritten",
  "d1RowsRead",
  "subrequests",
] as const satisfies ReadonlyArray<keyof Units>;

/** What each unit costs; subrequests cost nothing. */
const PRICE_OF: Record<keyof Units, number> = {
  workerRequests: PRICES.workerRequest,
  cpuMs: (PRICES.objectGbSecond * OBJECT_GB) / 1000,
  objectRequests: PRICES.objectRequest,
  objectGbSeconds: PRICES.objectGbSecond,
  objectRowsWritten: PRICES.objectRowWritten,
  objectRowsRead: PRICES.objectRowRead,
  d1RowsWritten: PRICES.d1RowWritten,
  d1RowsRead: PRICES.d1RowRead,
  subrequests: 0,
};

/** The scope of the Worker in a reading; every other scope is a Durable Object class. */
export const WORKER_SCOPE = "Worker";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The units of a reading, with the process CPU measured beside it. */
export function unitsOf(reading: MeterReading, cpuMs: number): Units {
  const scopes = Object.entries(reading.scopes);
  const objects = scopes.filter(([name]) => name !== WORKER_SCOPE).map(([, s]) => s);
  const all = scopes.map(([, s]) => s);
  const worker = reading.scopes[WORKER_SCOPE];
  return {
    workerRequests: worker ? sum(Object.values(worker.requests)) : 0,
    cpuMs,
    objectRequests: sum(objects.map((s) => sum(Object.values(s.requests)))),
    objectGbSeconds: sum(objects.map((s) => (s.activeMs / 1000) * OBJECT_GB)),
    objectRowsWritten: sum(objects.map((s) => s.sqlRowsWritten + s.alarmsSet)),
    objectRowsRead: sum(objects.map((s) => s.sqlRowsRead)),
    d1RowsWritten: sum(all.map((s) => s.d1RowsWritten)),
    d1RowsRead: sum(all.map((s) => s.d1RowsRead)),
    subrequests: sum(all.map((s) => s.subrequests)),
  };
}

function combine(a: Units, b: Units, f: (x: number, y: number) => number): Units {
  return Object.fromEntries(UNIT_NAMES.map((k) => [k, f(a[k], b[k])])) as unknown as Units;
}

/**
 * Units per probe run: the window's units over the runs in it, plus work that comes once an
 * hour (the maintenance), charged over an hour's runs.
 */
export function perRun(window: Units, runs: number, hourly: Units, runsPerHour: number): Units {
  if (runs <= 0 || runsPerHour <= 0) throw new Error("no probe runs to charge the units to");
  return combine(window, hourly, (w, h) => w / runs + h / runsPerHour);
}

/** Dollars per million probe runs, by unit and in all, for units per run. */
export function dollarsPerMillionRuns(units: Units): { byUnit: Record<keyof Units, number>; total: number } {
  const byUnit = Object.fromEntries(UNIT_NAMES.map((k) => [k, units[k] * PRICE_OF[k] * 1e6])) as Record<keyof Units, number>;
  return { byUnit, total: sum(Object.values(byUnit)) };
}
