-- What the status page reads (src/storage/daily_uptime.ts, src/storage/plane_history.ts), made by
-- the same hourly maintenance job as 0003's rollups (src/storage/rollups.ts).

-- Latency percentiles of each (plane, hour, region, probe), nearest rank over the hour's runs:
-- the plane page's latency chart. NULL for hours rolled up before this migration.
ALTER TABLE results_hourly ADD COLUMN latency_p50_ms REAL;
ALTER TABLE results_hourly ADD COLUMN latency_p95_ms REAL;

-- One row per plane and hour, all regions and probes together, with its failures counted by
-- reason: the overview's uptime windows and 90-day strips read 1,000 planes in one query each
-- instead of grouping every (region, probe) row.
CREATE TABLE planes_hourly (
  plane TEXT NOT NULL,
  hour INTEGER NOT NULL,            -- start of the UTC hour, epoch ms
  runs INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures TEXT NOT NULL,           -- JSON {reason: failed runs}, only reasons that failed
  PRIMARY KEY (plane, hour)
) WITHOUT ROWID;

CREATE INDEX planes_hourly_hour ON planes_hourly (hour);

CREATE TABLE planes_daily (
  plane TEXT NOT NULL,
  day INTEGER NOT NULL,             -- start of the UTC day, epoch ms
  runs INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures TEXT NOT NULL,
  PRIMARY KEY (plane, day)
) WITHOUT ROWID;

CREATE INDEX planes_daily_day ON planes_daily (day);

-- Days and hours already rolled up count in the new tables too; their failures by reason were
-- never recorded, so the page says so for them.
INSERT INTO planes_hourly (plane, hour, runs, successes, failures)
SELECT plane, hour, sum(runs), sum(successes), '{}' FROM results_hourly GROUP BY plane, hour;

INSERT INTO planes_daily (plane, day, runs, successes, failures)
SELECT plane, day, sum(runs), sum(successes), '{}' FROM results_daily GROUP BY plane, day;
