-- Event times on both sides of the Unix epoch (1969-12-31T23:59:xx, also
-- as negative epoch milliseconds): windows align to the epoch with floor
-- division (the window of -5 s is [-10 s, 0 s), not [0 s, 10 s)), for
-- tumble 10 s and 7 s and hop 5 s / 10 s; hour/minute/date_format of
-- pre-epoch times.
-- topic: old partitions=1
CREATE SOURCE old (
  id INT, v BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'old', format = 'json',
        event_time = 'ts', watermark_delay = '1s');

CREATE MATERIALIZED VIEW old_10s AS
SELECT tumble_start(ts, '10s') AS ws, tumble_end(ts, '10s') AS we, count(*) AS n, sum(v) AS total
FROM old
GROUP BY tumble(ts, '10s');

CREATE MATERIALIZED VIEW old_7s AS
SELECT window_start() AS ws, count(*) AS n, min(id) AS first_id
FROM old
GROUP BY tumble(ts, '7s');

CREATE MATERIALIZED VIEW old_hop AS
SELECT hop_start(ts, '5s', '10s') AS hs, count(*) AS n, max(v) AS top
FROM old
GROUP BY hop(ts, '5s', '10s');

CREATE MATERIALIZED VIEW old_fmt AS
SELECT id, hour(ts) AS h, minute(ts) AS m, date_format(ts, '%Y-%m-%d %H:%i:%s') AS txt
FROM old;
