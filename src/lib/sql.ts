/**
 * An INSERT that updates the row in place when its key exists. Not INSERT OR REPLACE: on a table
 * with a key other than the rowid, a replace deletes and re-inserts, and Durable Object storage
 * bills both rows.
 */
export function upsertSql(table: string, key: readonly string[], columns: readonly string[]): string {
  const all = [...key, ...columns];
  return (
    `INSERT INTO ${table} (${all.join(", ")}) VALUES (${all.map(() => "?").join(", ")}) ` +
    `ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`
  );
}
