/**
 * The schema migrations framework (src/objects/migrate.ts) on a real object's SQLite storage:
 * a Dispatcher object's, whose class keeps no tables of its own, so these steps are the only ones.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate, type MigrationStep } from "../../src/objects/migrate.ts";
import { rowsWrittenBy } from "../support/rows.ts";

const STEPS: readonly MigrationStep[] = [
  ["CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "INSERT INTO things (name) VALUES ('first')"],
  ["ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0", "UPDATE things SET size = length(name)"],
];

/** Runs `test` on the storage of a new object. */
function inFreshStorage<T>(test: (storage: DurableObjectStorage) => T | Promise<T>): Promise<T> {
  return runInDurableObject(env.DISPATCHER.get(env.DISPATCHER.newUniqueId()), (_object, state) => test(state.storage));
}

const tables = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) <> '_cf_' ORDER BY name")
    .toArray()
    .map((t) => t.name);
const version = (sql: SqlStorage) => sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;

describe("schema migrations", () => {
  it("apply every step to empty storage, once: running them again writes nothing", async () => {
    const stub = env.DISPATCHER.get(env.DISPATCHER.newUniqueId());
    const first = () =>
      runInDurableObject(stub, (_object, state) => {
        expect(migrate(state.storage, STEPS)).toBe(2);
        expect(state.storage.sql.exec("SELECT name, size FROM things").toArray()).toEqual([{ name: "first", size: 5 }]);
        expect(version(state.storage.sql)).toBe(2);
      });
    expect(await rowsWrittenBy(stub, first)).toBeGreaterThan(0);
    const again = () => runInDurableObject(stub, (_object, state) => expect(migrate(state.storage, STEPS)).toBe(2));
    expect(await rowsWrittenBy(stub, again)).toBe(0);
    await runInDurableObject(stub, (_object, state) => expect(state.storage.sql.exec("SELECT count(*) AS n FROM things").one().n).toBe(1));
  });

  it("apply only the steps after the stored version", () =>
    inFreshStorage((storage) => {
      expect(migrate(storage, STEPS.slice(0, 1))).toBe(1);
      storage.sql.exec("INSERT INTO things (name) VALUES ('second')");
      expect(migrate(storage, STEPS)).toBe(2);
      expect(storage.sql.exec("SELECT name, size FROM things ORDER BY id").toArray()).toEqual([
        { name: "first", size: 5 },
        { name: "second", size: 6 },
      ]);
    }));

  it("adopt storage with tables and no version (the release before versions were kept) as step 1", () =>
    inFreshStorage((storage) => {
      storage.sql.exec("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
      storage.sql.exec("INSERT INTO things (name) VALUES ('kept'), ('also kept')");
      // With no step to run, the adopted version is still written down.
      expect(migrate(storage, STEPS.slice(0, 1))).toBe(1);
      expect(version(storage.sql)).toBe(1);
      expect(migrate(storage, STEPS)).toBe(2);
      // Step 1 did not run again (it would have failed on the existing table, and added 'first').
      expect(storage.sql.exec("SELECT name, size FROM things ORDER BY id").toArray()).toEqual([
        { name: "kept", size: 4 },
        { name: "also kept", size: 9 },
      ]);
    }));

  it("roll a failing step back completely: the steps before it in the run, and the version, stay as they were", () =>
    inFreshStorage((storage) => {
      expect(migrate(storage, STEPS.slice(0, 1))).toBe(1);
      const failing = [...STEPS, ["CREATE TABLE other (x)", "INSERT INTO no_such_table VALUES (1)"]];
      expect(() => migrate(storage, failing)).toThrow(/no_such_table/);
      expect(version(storage.sql)).toBe(1);
      expect(tables(storage.sql)).toEqual(["schema_version", "things"]);
      expect(storage.sql.exec("SELECT * FROM things").toArray()).toEqual([{ id: 1, name: "first" }]);
      // Fixed, the run goes through.
      expect(migrate(storage, STEPS)).toBe(2);
    }));

  it("refuse storage written by a later release, and change nothing", () =>
    inFreshStorage((storage) => {
      expect(migrate(storage, STEPS)).toBe(2);
      expect(() => migrate(storage, STEPS.slice(0, 1))).toThrow(/schema version 2, newer than this code's 1/);
      expect(version(storage.sql)).toBe(2);
      expect(tables(storage.sql)).toEqual(["schema_version", "things"]);
    }));
});
