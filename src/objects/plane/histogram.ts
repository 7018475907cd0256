import { upsertSql } from "../../lib/sql.ts";
import type { LatencyHistogram } from "../../status/snapshot.ts";

/**
 * The probe latency histogram of each (region, probe), in the Plane object's storage so it
 * survives restarts and never goes backwards: one row, its bucket counts as JSON, so a report
 * writes one row however many buckets there are (each row written is billed).
 */
export const HISTOGRAM_SCHEMA = `
CREATE TABLE IF NOT EXISTS latency_histograms (
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  bounds TEXT NOT NULL,
  counts TEXT NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (region, probe)
);`;

const WRITE_HISTOGRAM = upsertSql("latency_histograms", ["region", "probe"], ["bounds", "counts", "sum", "count"]);

type Row = { region: string; probe: string; bounds: string; counts: string; sum: number; count: number };

/**
 * Counts latencies (seconds) into a histogram with the current bounds. When the bounds changed,
 * the buckets that stay and the totals (`_count`, `_sum`, `+Inf`) keep counting, removed bounds
 * are dropped and added bounds start at zero: no series ever decreases, so Prometheus never
 * reads a counter reset; quantiles over rate() windows that start after the change are exact.
 */
export function observed(previous: LatencyHistogram | undefined, seconds: readonly number[], bounds: readonly number[]): Omit<LatencyHistogram, "region" | "probe"> {
  return {
    bounds: [...bounds],
    counts: bounds.map((le) => {
      const kept = previous?.bounds.indexOf(le) ?? -1;
      return (kept >= 0 ? previous!.counts[kept]! : 0) + seconds.filter((s) => s <= le).length;
    }),
    sum: (previous?.sum ?? 0) + seconds.reduce((a, b) => a + b, 0),
    count: (previous?.count ?? 0) + seconds.length,
  };
}

function histogramOf(row: Row): LatencyHistogram {
  return { region: row.region, probe: row.probe, bounds: JSON.parse(row.bounds), counts: JSON.parse(row.counts), sum: row.sum, count: row.count };
}

export function observeLatencies(sql: SqlStorage, region: string, probe: string, seconds: readonly number[], bounds: readonly number[]): void {
  if (seconds.length === 0) return;
  const row = sql.exec<Row>("SELECT * FROM latency_histograms WHERE region = ? AND probe = ?", region, probe).toArray()[0];
  const next = observed(row && histogramOf(row), seconds, bounds);
  sql.exec(
    WRITE_HISTOGRAM,
    region,
    probe,
    JSON.stringify(next.bounds),
    JSON.stringify(next.counts),
    next.sum,
    next.count,
  );
}

export function readHistograms(sql: SqlStorage): LatencyHistogram[] {
  return sql.exec<Row>("SELECT * FROM latency_histograms ORDER BY region, probe").toArray().map(histogramOf);
}
