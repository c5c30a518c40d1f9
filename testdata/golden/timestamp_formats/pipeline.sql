-- JSON event times in every accepted form: RFC 3339 with Z, +00:00,
-- positive and negative (also non-whole-hour) offsets, 1 to 6 fractional
-- digits (below the millisecond is dropped), and epoch-millisecond
-- numbers; min/max over TIMESTAMP per 1 h tumbling window ('1d' watermark
-- delay: the events are hours out of order).
-- topic: stamps partitions=1
CREATE SOURCE stamps (
  id INT, label VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'stamps', format = 'json',
        event_time = 'ts', watermark_delay = '1d');

CREATE MATERIALIZED VIEW stamp_list AS
SELECT id, label, ts FROM stamps;

CREATE MATERIALIZED VIEW stamps_hourly AS
SELECT tumble_start(ts, '1h') AS hour_start, count(*) AS n, min(ts) AS first_ts,
       max(ts) AS last_ts, min(id) AS min_id
FROM stamps
GROUP BY tumble(ts, '1h');
