import { runInDurableObject } from "cloudflare:test";

/**
 * Rows written (what Cloudflare bills a SQLite-backed object for) by SQL statements while `run`
 * runs: of every Durable Object in this isolate (SqlStorage.exec, shared by them all, is wrapped
 * for that time), or of `object` alone (its own exec is shadowed), to keep each statement's cursor.
 */
export async function rowsWrittenBy(
  object: DurableObjectStub,
  run: () => Promise<unknown>,
  of: "every object" | "this object" = "every object",
): Promise<number> {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const unwrap = await runInDurableObject(object, (_object, state) => {
    const target = of === "every object" ? (Object.getPrototypeOf(state.storage.sql) as SqlStorage) : state.storage.sql;
    const exec = target.exec;
    target.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
      const cursor = exec.call(this, query, ...bindings);
      cursors.push(cursor);
      return cursor;
    } as SqlStorage["exec"];
    return of === "every object" ? () => void (target.exec = exec) : () => void Reflect.deleteProperty(target, "exec");
  });
  try {
    await run();
  } finally {
    unwrap();
  }
  return cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, 0);
}
