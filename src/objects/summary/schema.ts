import type { MigrationStep } from "../migrate.ts";

/**
 * The Summary object's storage, one step per schema change, applied by src/objects/migrate.ts.
 * Append a step for a change; never edit a shipped one (docs/migrations.md).
 */
export const SUMMARY_SCHEMA: readonly MigrationStep[] = [
  // 1. The release before versions were kept: the latest snapshot of each plane of the shard.
  ["CREATE TABLE snapshots (plane TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL)"],
];
