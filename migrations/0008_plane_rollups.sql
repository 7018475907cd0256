-- Plane objects count each (region, probe)'s hour themselves and write it to results_hourly whole
-- (src/storage/hour_figures.ts): D1 gets raw results only for failures, the first pass after one,
-- and a pass every ten minutes. The hourly rows now say their failures by reason (JSON
-- {reason: failed runs}, NULL when none), from which planes_hourly is summed; rows from before
-- have none.
ALTER TABLE results_hourly ADD COLUMN failures TEXT;

-- The rollups per region and probe are found by plane: by their key, or, for the maintenance job
-- (rolling days, pruning), through planes_hourly and planes_daily, whose index by time is enough.
-- An index by time took a third of their bytes.
DROP INDEX results_hourly_hour;
DROP INDEX results_daily_day;

-- Latencies in the rollups are whole milliseconds from now on, and a day keeps one row per (plane,
-- probe) with region '*' (src/storage/rollups.ts): both only shrink the rows; readers sum by probe.
