/**
 * Schema migrations of a Durable Object's own SQLite storage. Each class has one numbered list
 * of steps (src/objects/<class>/schema.ts); step n brings storage from version n - 1 to n. The
 * version is kept in the object's storage, in the table `schema_version`. How to add a step:
 * docs/migrations.md.
 */

/** SQL statements, run in order (SQLite's json functions reshape the JSON columns). */
export type MigrationStep = readonly string[];

const VERSION_TABLE = "schema_version";

/**
 * Which step unversioned storage (tables, no `schema_version`: written before versions were
 * kept) is at, read from its shape: releases before versions differ, so each class says.
 */
export type UnversionedVersion = (sql: SqlStorage) => number;

/** Most classes had one shape before versions were kept: step 1. */
const FIRST_STEP: UnversionedVersion = () => 1;

/** The steps that bring storage at `version` up to date, in order; refuses a version newer than the steps (a downgrade). */
export function stepsAfter(version: number, steps: readonly MigrationStep[]): readonly MigrationStep[] {
  if (!Number.isSafeInteger(version) || version < 0) throw new Error(`planewatch: stored schema version ${version} is not a version`);
  if (version > steps.length) {
    throw new Error(
      `planewatch: storage is at schema version ${version}, newer than this code's ${steps.length}: ` +
        "it was written by a later release, and running an earlier one over it is refused",
    );
  }
  return steps.slice(version);
}

/**
 * The version of the storage, and whether it is kept there: 0 when the storage is empty,
 * what `unversioned` reads when it has tables but no version table. The platform's own tables
 * (`_cf_*`) and SQLite's (`sqlite_*`) are not ours.
 */
export function storedVersion(sql: SqlStorage, unversioned: UnversionedVersion = FIRST_STEP): { version: number; kept: boolean } {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) <> '_cf_' AND substr(name, 1, 7) <> 'sqlite_'",
    )
    .toArray()
    .map((t) => t.name);
  if (tables.includes(VERSION_TABLE))
    return { version: sql.exec<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`).one().version, kept: true };
  return { version: tables.length > 0 ? unversioned(sql) : 0, kept: false };
}

/**
 * Brings the object's storage to the last of `steps`: every pending step and the new version
 * in one transaction, so a step that throws leaves storage as it was (and the error reaches
 * the caller: the object serves nothing on a schema it does not know). Adopted storage gets
 * its version written even with no step to run; up-to-date storage is only read. Returns the
 * version the storage is at. Called from each class's constructor: storage is synchronous, so
 * it is done before the object takes any request, with no blockConcurrencyWhile needed.
 */
export function migrate(
  storage: DurableObjectStorage,
  steps: readonly MigrationStep[],
  unversioned: UnversionedVersion = FIRST_STEP,
): number {
  return storage.transactionSync(() => {
    const { sql } = storage;
    const stored = storedVersion(sql, unversioned);
    const pending = stepsAfter(stored.version, steps);
    if (pending.length === 0 && stored.kept) return stored.version;
    for (const statement of pending.flat()) sql.exec(statement);
    if (stored.kept) sql.exec(`UPDATE ${VERSION_TABLE} SET version = ?`, steps.length);
    else {
      sql.exec(`CREATE TABLE ${VERSION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO ${VERSION_TABLE} (id, version) VALUES (1, ?)`, steps.length);
    }
    return steps.length;
  });
}
