-- on_error = 'skip': records without an event time are dropped silently
-- (no dead letter: the runner expects none, since no line is tagged bad).
-- The records are valid JSON, so the oracle table holds them with a NULL
-- ts and the oracle filters them out with ts IS NOT NULL.
-- (Malformed JSON under 'skip' needs a runner tag that excludes a line
-- from the oracle without expecting a dead letter.)
-- topic: beats partitions=1
CREATE SOURCE beats (
  device VARCHAR, battery INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'beats', format = 'json',
        event_time = 'ts', watermark_delay = '2s', on_error = 'skip');

CREATE MATERIALIZED VIEW device_batt AS
SELECT device, count(*) AS beats, min(battery) AS low, max(ts) AS last_seen
FROM beats
GROUP BY device;

CREATE MATERIALIZED VIEW beats_1m AS
SELECT tumble_start(ts, '1m') AS w, count(*) AS n, avg(battery) AS avg_batt
FROM beats
GROUP BY tumble(ts, '1m');
