-- Every probe result, as reported by the Plane objects. The key doubles as the (plane, time)
-- index and makes a re-sent batch harmless (INSERT OR IGNORE).
CREATE TABLE results (
  plane TEXT NOT NULL,
  at INTEGER NOT NULL,          -- probe start, epoch ms
  region TEXT NOT NULL,
  probe TEXT NOT NULL,
  kind TEXT NOT NULL,
  ok INTEGER NOT NULL,          -- 1 success, 0 failure
  reason TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  http_status INTEGER,
  message TEXT NOT NULL,
  PRIMARY KEY (plane, at, region, probe)
) WITHOUT ROWID;

-- For pruning by age across planes.
CREATE INDEX results_at ON results (at);

-- Status changes of each plane: the incidents.
CREATE TABLE transitions (
  plane TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  failing TEXT NOT NULL,        -- JSON [{region, probe, reason}]
  PRIMARY KEY (plane, at, to_status)
) WITHOUT ROWID;

CREATE INDEX transitions_at ON transitions (at);
