import { runInDurableObject } from "cloudflare:test";

/**
 * Rows written that Cloudflare bills a SQLite-backed object for, while `run` runs: the rows of
 * each SQL statement, and one for each setAlarm and each key put or deleted through `kv`. Of
 * every Durable Object in this isolate (SqlStorage.exec, setAlarm and the kv methods, shared by
 * them all, are wrapped for that time), or of `object` alone (its own are shadowed, its kv told
 * apart), to keep each statement's cursor.
 */
export async function rowsWrittenBy(
  object: DurableObjectStub,
  run: () => Promise<unknown>,
  of: "every object" | "this object" = "every object",
): Promise<number> {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  let alarmsSet = 0;
  let keysWritten = 0;
  const unwrap = await runInDurableObject(object, (_object, state) => {
    const sql = of === "every object" ? (Object.getPrototypeOf(state.storage.sql) as SqlStorage) : state.storage.sql;
    const storage = of === "every object" ? (Object.getPrototypeOf(state.storage) as DurableObjectStorage) : state.storage;
    const { exec } = sql;
    const { setAlarm } = storage;
    const ownKv = state.storage.kv;
    const kv = Object.getPrototypeOf(ownKv) as SyncKvStorage;
    const { put, delete: remove } = kv;
    const countKey = (written: SyncKvStorage) => {
      if (of === "every object" || written === ownKv) keysWritten++;
    };
    kv.put = function (this: SyncKvStorage, ...args: Parameters<SyncKvStorage["put"]>) {
      countKey(this);
      return put.apply(this, args);
    };
    kv.delete = function (this: SyncKvStorage, ...args: Parameters<SyncKvStorage["delete"]>) {
      countKey(this);
      return remove.apply(this, args);
    };
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
      kv.put = put;
      kv.delete = remove;
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
  return cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, alarmsSet + keysWritten);
}
