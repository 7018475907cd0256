import type { MigrationStep, UnversionedVersion } from "../migrate.ts";

/**
 * The Plane object's storage, one step per schema change, applied by src/objects/migrate.ts.
 * Append a step for a change; never edit a shipped one (docs/migrations.md).
 */
export const PLANE_SCHEMA: readonly MigrationStep[] = [
  // 1. The release before versions were kept: what the unversioned objects hold.
  [
    // The plane's status: one row.
    `CREATE TABLE plane (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      plane TEXT NOT NULL,
      status TEXT NOT NULL,
      since INTEGER NOT NULL,
      expires_at INTEGER,
      version INTEGER NOT NULL,
      published_version INTEGER NOT NULL
    )`,
    `CREATE TABLE latest (
      region TEXT NOT NULL,
      probe TEXT NOT NULL,
      kind TEXT NOT NULL,
      at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      reason TEXT NOT NULL,
      latency_ms REAL NOT NULL,
      http_status INTEGER,
      message TEXT NOT NULL,
      verdict TEXT NOT NULL,
      successes INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      fail_reason TEXT,
      PRIMARY KEY (region, probe)
    )`,
    // The recent transitions, for the API (D1 keeps them all).
    `CREATE TABLE transitions (
      at INTEGER NOT NULL,
      from_status TEXT NOT NULL,
      to_status TEXT NOT NULL,
      failing TEXT NOT NULL
    )`,
    `CREATE TABLE latency_histograms (
      region TEXT NOT NULL,
      probe TEXT NOT NULL,
      bounds TEXT NOT NULL,
      counts TEXT NOT NULL,
      sum REAL NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (region, probe)
    )`,
    // Cumulative counters (./counters.ts).
    `CREATE TABLE counters (
      name TEXT NOT NULL,
      labels TEXT NOT NULL,
      value REAL NOT NULL,
      PRIMARY KEY (name, labels)
    )`,
    // History on its way to D1 (./outbox.ts).
    `CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      body TEXT NOT NULL
    )`,
    // Async requests waiting on their webhook and status, and the tombstones of judged ones (src/async/pending.ts).
    `CREATE TABLE webhook_key (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      key BLOB NOT NULL
    )`,
    `CREATE TABLE async_pending (
      nonce TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      probe TEXT NOT NULL,
      submitted_at INTEGER NOT NULL,
      deadline INTEGER NOT NULL,
      request_id TEXT,
      http_status INTEGER,
      webhook TEXT,
      statuses TEXT NOT NULL DEFAULT '[]',
      webhook_status TEXT,
      status_error TEXT,
      poll_error TEXT,
      next_poll INTEGER
    )`,
    `CREATE TABLE async_done (
      nonce TEXT PRIMARY KEY,
      done_at INTEGER NOT NULL,
      had_webhook INTEGER NOT NULL
    )`,
    "CREATE INDEX async_done_at ON async_done (done_at)",
    // Alerts on their way to Sentry, and the open incident (./alerts.ts).
    `CREATE TABLE alert_queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL,
      body TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      next_attempt INTEGER NOT NULL
    )`,
    `CREATE TABLE incident (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      status TEXT NOT NULL,
      since INTEGER NOT NULL,
      notified_at INTEGER NOT NULL
    )`,
    // When each heartbeat probe was last heard and judged (src/heartbeats/storage.ts).
    `CREATE TABLE heartbeats (
      probe TEXT PRIMARY KEY,
      watching_since INTEGER NOT NULL,
      last_beat INTEGER,
      judged_at INTEGER,
      judged_ok INTEGER
    )`,
  ],
  // 2. One row per (region, probe) (./state.ts): the latest result, its runs counters (rows of
  //    `counters` until now) and its latency histogram (a table of its own until now) together,
  //    so recording a result writes one row. Every value carries over.
  [
    `CREATE TABLE probes (
      region TEXT NOT NULL,
      probe TEXT NOT NULL,
      kind TEXT NOT NULL,
      at INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      reason TEXT NOT NULL,
      latency_ms REAL NOT NULL,
      http_status INTEGER,
      message TEXT NOT NULL,
      verdict TEXT NOT NULL,
      successes INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      fail_reason TEXT,
      runs_success INTEGER NOT NULL,
      runs_failure INTEGER NOT NULL,
      histogram TEXT,
      PRIMARY KEY (region, probe)
    )`,
    `INSERT INTO probes
    SELECT l.region, l.probe, l.kind, l.at, l.ok, l.reason, l.latency_ms, l.http_status, l.message,
      l.verdict, l.successes, l.failures, l.fail_reason,
      (SELECT CAST(coalesce(sum(c.value), 0) AS INTEGER) FROM counters c WHERE c.name = 'planewatch_probe_runs_total'
        AND c.labels ->> '$.region' = l.region AND c.labels ->> '$.probe' = l.probe AND c.labels ->> '$.outcome' = 'success'),
      (SELECT CAST(coalesce(sum(c.value), 0) AS INTEGER) FROM counters c WHERE c.name = 'planewatch_probe_runs_total'
        AND c.labels ->> '$.region' = l.region AND c.labels ->> '$.probe' = l.probe AND c.labels ->> '$.outcome' = 'failure'),
      (SELECT json_object('bounds', json(h.bounds), 'counts', json(h.counts), 'sum', h.sum, 'count', h.count)
        FROM latency_histograms h WHERE h.region = l.region AND h.probe = l.probe)
    FROM latest l`,
    "DELETE FROM counters WHERE name = 'planewatch_probe_runs_total'",
    "DROP TABLE latest",
    "DROP TABLE latency_histograms",
  ],
  // 3. Streamed answers (chat_completions, streamed sync_predict): the figures of the latest
  //    result (StreamFigures as JSON) and the histogram of the times to first token, in the
  //    (region, probe) row as the latency histogram is. Rows from before have neither: NULL.
  ["ALTER TABLE probes ADD COLUMN figures TEXT", "ALTER TABLE probes ADD COLUMN first_token_histogram TEXT"],
  // 4. Findable probe requests and fast retries (./state.ts): the latest result's traceparent
  //    and X-Request-ID (null for results no region ran, and for those stored before), and the
  //    attempts of every run (planewatch_probe_attempts_total), counted from this step on.
  [
    "ALTER TABLE probes ADD COLUMN traceparent TEXT",
    "ALTER TABLE probes ADD COLUMN request_id TEXT",
    "ALTER TABLE probes ADD COLUMN runs_attempts INTEGER NOT NULL DEFAULT 0",
  ],
  // 5. Maintenance windows and flap damping (./annotations.ts): the window set through the API,
  //    the window open at the last evaluation, recent status changes, the flapping flag and
  //    whether alerts were held; the recent transitions say the window they happened in.
  [
    `CREATE TABLE annotations (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      runtime_window TEXT,
      open_window TEXT,
      changes TEXT NOT NULL,
      flapping_since INTEGER,
      flapping_alerted INTEGER NOT NULL,
      held TEXT
    )`,
    "ALTER TABLE transitions ADD COLUMN maintenance TEXT",
  ],
  // 6. Fewer rows written per report (each is billed). The outbox carries batches (./outbox.ts):
  //    a row's body is a JSON array of `count` entries, and a row waiting from before becomes
  //    a batch of its one entry (its id, a running number, stays). The plane row keeps only
  //    the status and since when: the expiry follows from the latest results, and the
  //    snapshot's version lives in the object's memory.
  [
    "ALTER TABLE outbox ADD COLUMN count INTEGER NOT NULL DEFAULT 1",
    "UPDATE outbox SET body = json_array(json(body))",
    "ALTER TABLE plane DROP COLUMN expires_at",
    "ALTER TABLE plane DROP COLUMN version",
    "ALTER TABLE plane DROP COLUMN published_version",
  ],
  // 7. One row per region (./state.ts): its probes' latest results, threshold states, run counts
  //    and histograms as a JSON object by probe name, so a region's round writes one row, not one
  //    per probe. Each probe also counts the figures of its hour (src/storage/hour_figures.ts),
  //    and keeps when its last pass went to D1 raw: none for the probes from before, which start
  //    at their next run. The plane row keeps when the hours last went to D1.
  [
    "CREATE TABLE regions (region TEXT PRIMARY KEY, probes TEXT NOT NULL)",
    `INSERT INTO regions (region, probes)
    SELECT region, json_group_object(probe, json_object(
      'kind', kind, 'at', at, 'ok', ok, 'reason', reason, 'latency_ms', latency_ms, 'http_status', http_status,
      'message', message, 'verdict', verdict, 'successes', successes, 'failures', failures, 'fail_reason', fail_reason,
      'runs_success', runs_success, 'runs_failure', runs_failure, 'traceparent', traceparent, 'request_id', request_id,
      'runs_attempts', runs_attempts, 'histogram', histogram, 'figures', figures, 'first_token_histogram', first_token_histogram,
      'hour_figures', NULL, 'raw_sampled_at', NULL))
    FROM probes GROUP BY region`,
    "DROP TABLE probes",
    // When the hours being counted last went to D1: kept, so that an object evicted between
    // reports still writes them on their interval, not on every report nor never.
    "ALTER TABLE plane ADD COLUMN hours_written_at INTEGER",
  ],
];

/** Unversioned Planes came from two releases: the one with `latest` (step 1), and the one that had already made `probes` (step 2). */
export const planeUnversionedVersion: UnversionedVersion = (sql) =>
  sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'probes'").toArray().length > 0 ? 2 : 1;
