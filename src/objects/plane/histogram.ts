import type { LatencyHistogram } from "../../status/snapshot.ts";

/**
 * The probe latency histogram of each (region, probe): cumulative bucket counts in the Plane
 * object's storage, so they survive restarts and never go backwards.
 */
export const HISTOGRAM_SCHEMA = `
CREATE TABLE IF NOT EXISTS latency_buckets (
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  le REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (region, probe, le)
);
CREATE TABLE IF NOT EXISTS latency_totals (
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (region, probe)
);`;

/**
 * The (region, probe, bounds) whose bucket rows this object's storage already matches: the
 * bounds change only with the config, so an object brings its rows in line once per life,
 * not on every result. Keyed by the object's storage.
 */
const bucketsInPlace = new WeakMap<SqlStorage, Set<string>>();

/**
 * Counts latencies into the buckets of the current bounds, in one statement however many. When
 * the bounds changed, the buckets that stay and the totals (`_count`, `_sum`, `+Inf`) keep
 * counting, removed bounds are dropped and added bounds start at zero: no series ever
 * decreases, so Prometheus never reads a counter reset; quantiles over rate() windows that
 * start after the change are exact.
 */
export function observeLatencies(sql: SqlStorage, region: string, probe: string, seconds: readonly number[], bounds: readonly number[]): void {
  if (seconds.length === 0) return;
  const json = JSON.stringify(bounds);
  const key = `${region}\n${probe}\n${json}`;
  let ready = bucketsInPlace.get(sql);
  if (!ready) bucketsInPlace.set(sql, (ready = new Set()));
  const observed = JSON.stringify(seconds);
  const count = () =>
    sql.exec(
      "UPDATE latency_buckets SET count = count + (SELECT count(*) FROM json_each(?) WHERE value <= le) WHERE region = ? AND probe = ?",
      observed,
      region,
      probe,
    ).rowsWritten;
  // Every bucket row is written, counted or not: none written means the rows are not there (a rolled-back transaction took them).
  if (!ready.has(key) || count() === 0) {
    sql.exec("DELETE FROM latency_buckets WHERE region = ? AND probe = ? AND le NOT IN (SELECT value FROM json_each(?))", region, probe, json);
    sql.exec("INSERT OR IGNORE INTO latency_buckets (region, probe, le, count) SELECT ?, ?, value, 0 FROM json_each(?)", region, probe, json);
    ready.add(key);
    count();
  }
  sql.exec(
    `INSERT INTO latency_totals (region, probe, sum, count) VALUES (?, ?, ?, ?)
     ON CONFLICT (region, probe) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count`,
    region,
    probe,
    seconds.reduce((a, b) => a + b, 0),
    seconds.length,
  );
}

export function readHistograms(sql: SqlStorage): LatencyHistogram[] {
  const buckets = sql
    .exec<{ region: string; probe: string; le: number; count: number }>("SELECT * FROM latency_buckets ORDER BY region, probe, le")
    .toArray();
  return sql
    .exec<{ region: string; probe: string; sum: number; count: number }>("SELECT * FROM latency_totals ORDER BY region, probe")
    .toArray()
    .map((t) => {
      const own = buckets.filter((b) => b.region === t.region && b.probe === t.probe);
      return { region: t.region, probe: t.probe, bounds: own.map((b) => b.le), counts: own.map((b) => b.count), sum: t.sum, count: t.count };
    });
}
