-- Runs taken in maintenance windows, per plane and hour or day (docs/maintenance.md): uptime leaves
-- them out, and the status page's daily bars say that a day had maintenance and how many runs it
-- left out (src/storage/rollups.ts fills them, src/storage/daily_uptime.ts reads them).
ALTER TABLE planes_hourly ADD COLUMN maintenance_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE planes_daily ADD COLUMN maintenance_runs INTEGER NOT NULL DEFAULT 0;

-- Hours and days rolled up since migration 0006 counted them per (region, probe) already.
UPDATE planes_hourly SET maintenance_runs = coalesce(
  (SELECT sum(r.maintenance_runs) FROM results_hourly AS r WHERE r.plane = planes_hourly.plane AND r.hour = planes_hourly.hour), 0);
UPDATE planes_daily SET maintenance_runs = coalesce(
  (SELECT sum(r.maintenance_runs) FROM results_daily AS r WHERE r.plane = planes_daily.plane AND r.day = planes_daily.day), 0);
