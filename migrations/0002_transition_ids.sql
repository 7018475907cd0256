-- Transitions get an id in the order D1 received them: the event id of /api/v1/events, so a
-- client resuming with Last-Event-ID misses nothing, even a transition whose Plane object
-- delivered it late (its `at` older than transitions already sent). AUTOINCREMENT: never reused.
CREATE TABLE transitions_with_id (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  plane TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  failing TEXT NOT NULL,
  UNIQUE (plane, at, to_status)
);

INSERT INTO transitions_with_id (plane, at, from_status, to_status, failing)
SELECT plane, at, from_status, to_status, failing FROM transitions ORDER BY at, plane;

DROP TABLE transitions;
ALTER TABLE transitions_with_id RENAME TO transitions;
CREATE INDEX transitions_at ON transitions (at);
