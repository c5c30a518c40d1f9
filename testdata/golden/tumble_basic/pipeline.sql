-- Tumbling 10 s windows with tumble_start/tumble_end; out-of-order events
-- within the 2 s watermark delay; empty windows (no events in [20s,40s)
-- and [50s,70s): no rows for them); an event exactly on a window boundary;
-- NULL measures; count(*) count(x) count(DISTINCT x) sum avg min max over
-- BIGINT, DOUBLE, VARCHAR and TIMESTAMP; the window first or last in
-- GROUP BY. u8's event at 12.5 s arrives behind the watermark (17.999 s)
-- but its window [10s,20s) is still open: it counts, and the watermark
-- emitted before it closes [0s,10s) mid-stream.
-- topic: clicks partitions=1
CREATE SOURCE clicks (
  user_id VARCHAR, page VARCHAR, dwell_ms BIGINT, score DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'clicks', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW page_10s AS
SELECT page,
       tumble_start(ts, '10s') AS wstart,
       tumble_end(ts, '10s') AS wend,
       count(*) AS n,
       count(score) AS scored,
       sum(dwell_ms) AS total_dwell,
       avg(score) AS avg_score,
       min(ts) AS first_ts,
       max(ts) AS last_ts,
       min(user_id) AS min_user,
       max(user_id) AS max_user
FROM clicks
GROUP BY page, tumble(ts, '10s');

CREATE MATERIALIZED VIEW all_10s AS
SELECT tumble_start(ts, '10s') AS wstart,
       count(DISTINCT user_id) AS users,
       count(DISTINCT page) AS pages,
       sum(score) AS total_score,
       max(dwell_ms) AS longest
FROM clicks
GROUP BY tumble(ts, '10s');
