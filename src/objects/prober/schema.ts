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
];

/** Unversioned Probers came from two releases: without the round's `unsent` (step 1), and with it (step 2). */
export const proberUnversionedVersion: UnversionedVersion = (sql) =>
  sql.exec("SELECT 1 FROM pragma_table_info('round') WHERE name = 'unsent'").toArray().length > 0 ? 2 : 1;
