import type { MigrationStep, UnversionedVersion } from "../migrate.ts";

/**
 * The Prober object's storage, one step per schema change, applied by src/objects/migrate.ts.
 * Append a step for a change; never edit a shipped one (docs/migrations.md).
 */
export const PROBER_SCHEMA: readonly MigrationStep[] = [
  // 1. The release before versions were kept: what the unversioned objects hold. Who the object
  //    probes for, its startup gate, and its round: each probe's next due time and the results
  //    not yet reported.
  [
    "CREATE TABLE identity (id INTEGER PRIMARY KEY CHECK (id = 1), plane TEXT NOT NULL, region TEXT NOT NULL)",
    "CREATE TABLE startup_gate (id INTEGER PRIMARY KEY CHECK (id = 1), gate TEXT NOT NULL)",
    "CREATE TABLE round (id INTEGER PRIMARY KEY CHECK (id = 1), schedule TEXT NOT NULL, unreported TEXT NOT NULL)",
  ],
  // 2. The round also keeps the async submissions of a failed report (JSON array); a round
  //    stored before had none waiting.
  ["ALTER TABLE round ADD COLUMN unsent TEXT NOT NULL DEFAULT '[]'"],
  // 3. A round in the steady state writes nothing (each row written is billed): the round row
  //    goes. Each probe's cadence has a row of its own (./cadence.ts), written when it changes,
  //    and a new instance finds the next due time from it; a stored next due time becomes a
  //    cadence of that one time (period 0). What is kept back has a row only while there is
  //    some, written when it changes, with the time before which every probe ran (`resume_at`:
  //    a new instance then knows exactly; a round before had the due times themselves).
  [
    "CREATE TABLE cadence (probe TEXT PRIMARY KEY, anchor INTEGER NOT NULL, period_ms INTEGER NOT NULL)",
    "INSERT INTO cadence (probe, anchor, period_ms) SELECT key, value, 0 FROM round, json_each(round.schedule)",
    `CREATE TABLE kept_back (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      unreported TEXT NOT NULL,
      unsent TEXT NOT NULL,
      resume_at INTEGER
    )`,
    `INSERT INTO kept_back (id, unreported, unsent, resume_at)
      SELECT 1, unreported, unsent, (SELECT min(value) FROM json_each(round.schedule)) FROM round
      WHERE unreported <> '[]' OR unsent <> '[]'`,
    "DROP TABLE round",
  ],
];

/** Unversioned Probers came from two releases: without the round's `unsent` (step 1), and with it (step 2). */
export const proberUnversionedVersion: UnversionedVersion = (sql) =>
  sql.exec("SELECT 1 FROM pragma_table_info('round') WHERE name = 'unsent'").toArray().length > 0 ? 2 : 1;
