import type { CounterValue } from "../../status/snapshot.ts";

/** Cumulative counters of a plane: kept in its storage, so they survive restarts and never go back (table: ./schema.ts). */

/** Canonical label JSON, so the same label set is always the same counter row. */
function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
}

export function increment(sql: SqlStorage, name: string, labels: Record<string, string>, by = 1): void {
  sql.exec(
    "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
    name,
    labelKey(labels),
    by,
  );
}

export function readCounters(sql: SqlStorage): CounterValue[] {
  return sql
    .exec<{ name: string; labels: string; value: number }>("SELECT * FROM counters ORDER BY name, labels")
    .toArray()
    .map((c) => ({ name: c.name, labels: JSON.parse(c.labels) as Record<string, string>, value: c.value }));
}
