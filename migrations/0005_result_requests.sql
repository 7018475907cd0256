-- Findable probe requests and fast retries: the W3C traceparent and X-Request-ID the counted
-- attempt sent (null for results no Prober ran: async verdicts, heartbeats, rows from before),
-- and how many attempts the run took.
ALTER TABLE results ADD COLUMN traceparent TEXT;
ALTER TABLE results ADD COLUMN request_id TEXT;
ALTER TABLE results ADD COLUMN attempts INTEGER;
