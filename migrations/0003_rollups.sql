-- Rollups of `results`, made by the hourly maintenance job (src/storage/rollups.ts): raw results
-- are kept RESULTS_RETENTION_DAYS, hourly rollups HOURLY_RETENTION_DAYS, daily rollups
-- DAILY_RETENTION_DAYS, so D1 holds a bounded number of rows whatever the age of the mesh.
-- Uptime over long windows reads these instead of every result.
CREATE TABLE results_hourly (
  plane TEXT NOT NULL,
  hour INTEGER NOT NULL,            -- start of the UTC hour, epoch ms
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  runs INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  latency_sum_ms REAL NOT NULL,     -- over every run: the mean is latency_sum_ms / runs
  latency_max_ms REAL NOT NULL,
  PRIMARY KEY (plane, hour, region, probe)
) WITHOUT ROWID;

-- For rolling days up and pruning by age across planes.
CREATE INDEX results_hourly_hour ON results_hourly (hour);

CREATE TABLE results_daily (
  plane TEXT NOT NULL,
  day INTEGER NOT NULL,             -- start of the UTC day, epoch ms
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  runs INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  latency_sum_ms REAL NOT NULL,
  latency_max_ms REAL NOT NULL,
  PRIMARY KEY (plane, day, region, probe)
) WITHOUT ROWID;

CREATE INDEX results_daily_day ON results_daily (day);

-- How far each table is complete (see RollupState in src/storage/rollup_plan.ts).
CREATE TABLE rollup_state (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
