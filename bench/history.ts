/**
 * Section 5, history in local D1 through the mesh's own code, run in the bench Worker:
 * insert throughput with the outbox's batching (writeHistory, 500 rows a batch) and without
 * (one row a batch); a 30-day uptime query at 1,000 planes over seeded rollups (daily rows for
 * 30 days, hourly rows for `hourlyDays`, raw results for the last hour); and the bytes each
 * table takes per row, read with SQLite's dbstat from the D1 file.
 */
import type { RunningWorker } from "../scripts/mesh.ts";
import { DEFAULT_RETENTION, HOUR_MS } from "../src/storage/rollup_plan.ts";
import { localD1 } from "./common.ts";
import { spread, type Spread } from "./stats.ts";
import { planeId } from "./worker.ts";

export interface HistoryOptions {
  planes: number;
  insertRows: number;
  insertRuns: number;
  unbatchedRows: number;
  hourlyDays: number;
  uptimeQueries: number;
}

/** The tables of D1's history, each with its indexes. */
const HISTORY_TABLES = {
  results: ["results_at"],
  results_hourly: [],
  results_daily: [],
  planes_hourly: ["planes_hourly_hour"],
  planes_daily: ["planes_daily_day"],
} as const satisfies Record<string, readonly string[]>;

type HistoryTable = keyof typeof HISTORY_TABLES;

export interface HistoryResult {
  batchedRowsPerSecond: Spread;
  unbatchedRowsPerSecond: Spread;
  uptimeMs: Spread;
  seededHourlyDays: number;
  /** Bytes per row of each table, its indexes included. */
  bytesPerRow: Record<HistoryTable, number>;
}

async function call<T>(url: string): Promise<T> {
  const res = await fetch(url, { method: url.includes("/uptime") ? "GET" : "POST" });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function benchHistory(bench: RunningWorker, persistDir: string, options: HistoryOptions): Promise<HistoryResult> {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const insert = async (batch: number, rows: number, from: number) => {
    const { ms } = await call<{ ms: number }>(
      `${bench.url}/history/insert?rows=${rows}&batch=${batch}&planes=${options.planes}&from=${from}`,
    );
    return rows / (ms / 1000);
  };
  const batched: number[] = [];
  const unbatched: number[] = [];
  // Each run fills its own stretch of the last hours, so no row repeats another.
  for (let run = 0; run < options.insertRuns; run++) {
    batched.push(await insert(500, options.insertRows, now - (run + 1) * HOUR_MS));
    unbatched.push(await insert(1, options.unbatchedRows, now - (run + 1) * HOUR_MS + 50 * 60_000));
  }
  await call(`${bench.url}/history/seed?planes=${options.planes}&days=30&hourlyDays=${options.hourlyDays}&now=${now}`);
  const uptime: number[] = [];
  for (let q = 0; q < options.uptimeQueries; q++) {
    const plane = planeId((q * 7919) % options.planes);
    const { ms, uptime: windows } = await call<{ ms: number; uptime: Array<{ runs: number }> }>(
      `${bench.url}/history/uptime?plane=${plane}&now=${now}`,
    );
    if (windows[3]!.runs === 0) throw new Error(`the 30-day uptime of ${plane} counted no runs`);
    uptime.push(ms);
  }
  const db = localD1(persistDir);
  try {
    const pages = new Map(
      (db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as Array<{ name: string; bytes: number }>).map(
        (r) => [r.name, r.bytes],
      ),
    );
    const perRow = (table: HistoryTable) => {
      const { n } = db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      return Math.round([table, ...HISTORY_TABLES[table]].reduce((bytes, name) => bytes + (pages.get(name) ?? 0), 0) / n);
    };
    return {
      batchedRowsPerSecond: spread(batched),
      unbatchedRowsPerSecond: spread(unbatched),
      uptimeMs: spread(uptime),
      seededHourlyDays: options.hourlyDays,
      bytesPerRow: Object.fromEntries(Object.keys(HISTORY_TABLES).map((t) => [t, perRow(t as HistoryTable)])) as Record<
        HistoryTable,
        number
      >,
    };
  } finally {
    db.close();
  }
}

/**
 * Rows and bytes of each table for `planes` planes after `days` days, from the measured bytes
 * per row: every plane probed from 3 regions by 2 probes, each passing, with the default
 * retention and `rawPassSeconds` (a pass an hour per series goes raw; failures add rows).
 */
export function tableSizes(planes: number, days: number, bytesPerRow: HistoryResult["bytesPerRow"]) {
  const probes = 2;
  const series = planes * 3 * probes;
  const kept = (retentionDays: number) => Math.min(days, retentionDays);
  const rows: Record<HistoryTable, number> = {
    results: series * 24 * kept(DEFAULT_RETENTION.rawDays),
    results_hourly: series * 24 * kept(DEFAULT_RETENTION.hourlyDays),
    results_daily: planes * probes * kept(DEFAULT_RETENTION.dailyDays),
    planes_hourly: planes * 24 * kept(DEFAULT_RETENTION.hourlyDays),
    planes_daily: planes * kept(DEFAULT_RETENTION.dailyDays),
  };
  return Object.entries(rows).map(([table, n]) => ({ table, rows: n, bytes: n * bytesPerRow[table as HistoryTable] }));
}
