import { runInDurableObject } from "cloudflare:test";

/**
 * Rows written that Cloudflare bills a SQLite-backed object for, while `run` runs: the rows of
 * each SQL statement, and one for each setAlarm. Of every Durable Object in this isolate
 * (SqlStorage.exec and setAlarm, shared by them all, are wrapped for that time), or of `object`
 * alone (its own are shadowed), to keep each statement's cursor.
 */
export async function rowsWrittenBy(
  object: DurableObjectStub,
  run: () => Promise<unknown>,
  of: "every object" | "this object" = "every object",
): Promise<number> {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  let alarmsSet = 0;
  const unwrap = await runInDurableObject(object, (_object, state) => {
    const sql = of === "every object" ? (Object.getPrototypeOf(state.storage.sql) as SqlStorage) : state.storage.sql;
    const storage = of === "every object" ? (Object.getPrototypeOf(state.storage) as DurableObjectStorage) : state.storage;
    const { exec } = sql;
    const { setAlarm } = storage;
    sql.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
      const cursor = exec.call(this, query, ...bindings);
      cursors.push(cursor);
      return cursor;
    } as SqlStorage["exec"];
    storage.setAlarm = function (this: DurableObjectStorage, ...args: Parameters<DurableObjectStorage["setAlarm"]>) {
      alarmsSet++;
      return setAlarm.apply(this, args);
    };
    return () => {
      if (of === "every object") {
        sql.exec = exec;
        storage.setAlarm = setAlarm;
      } else {
        Reflect.deleteProperty(sql, "exec");
        Reflect.deleteProperty(storage, "setAlarm");
      }
    };
  });
  try {
    await run();
  } finally {
    unwrap();
  }
  return cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, alarmsSet);
}
