-- Session windows session(ts, '30s') per user with session_start /
-- session_end (= last event + gap); several sessions per user, gaps well
-- above and below 30 s; count, count(DISTINCT), min/max over VARCHAR and
-- TIMESTAMP, sum of INT; an out-of-order event inside a session; u3's
-- event at 00:01:50 arrives behind the watermark (00:01:55) but joins u3's
-- still-open session (it ends at 00:02:05), and makes the source emit that
-- watermark first, closing earlier sessions mid-stream.
-- topic: activity partitions=1
CREATE SOURCE activity (
  user_id VARCHAR, action VARCHAR, points INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'activity', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW user_sessions AS
SELECT user_id,
       session_start(ts, '30s') AS s_start,
       session_end(ts, '30s') AS s_end,
       count(*) AS events,
       count(DISTINCT action) AS actions,
       min(action) AS first_action_alpha,
       max(ts) AS last_ts,
       sum(points) AS points
FROM activity
GROUP BY user_id, session(ts, '30s');
