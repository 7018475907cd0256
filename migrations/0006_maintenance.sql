-- Maintenance windows (docs/maintenance.md). A result taken in a window is kept and marked, so
-- that uptime and the rollups leave it out; a transition says the window it happened in, and
-- the entry an API action leaves (from and to the same status) says who set or ended a window.
ALTER TABLE results ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;   -- 1 in a window
ALTER TABLE transitions ADD COLUMN maintenance TEXT;                     -- JSON MaintenanceNote, NULL outside any window

-- Rollups count only runs outside windows in runs, successes and latency; these are the others.
ALTER TABLE results_hourly ADD COLUMN maintenance_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results_daily ADD COLUMN maintenance_runs INTEGER NOT NULL DEFAULT 0;
