import { runInDurableObject } from "cloudflare:test";

/**
 * Rows written (what Cloudflare bills a SQLite-backed object for) by the SQL statements of
 * every Durable Object in this isolate while `run` runs: SqlStorage.exec, shared by them all,
 * is wrapped for that time to keep each statement's cursor.
 */
export async function rowsWrittenBy(anyObject: DurableObjectStub, run: () => Promise<unknown>): Promise<number> {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const unwrap = await runInDurableObject(anyObject, (_object, state) => {
    const prototype = Object.getPrototypeOf(state.storage.sql) as SqlStorage;
    const exec = prototype.exec;
    prototype.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
      const cursor = exec.call(this, query, ...bindings);
      cursors.push(cursor);
      return cursor;
    } as SqlStorage["exec"];
    return () => void (prototype.exec = exec);
  });
  try {
    await run();
  } finally {
    unwrap();
  }
  return cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, 0);
}
