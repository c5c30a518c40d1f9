-- Timeline aggregates per session window (session(ts, '10s')) with a
-- timeline_ttl (60s) longer than the session gap, so a key's timeline
-- runs on between its session windows and its states carry into the
-- next one (d's cdn). tl_duration_between (video start time: from the
-- first 'init' to the next 'play'), reported in the window of the end
-- event (f's init and play fall in different session windows),
-- tl_within with an INTERVAL, tl_count_entries. Three sessions
-- interleaved on one partition. e's buffer and play at 15 s come at the
-- same instant: the state at an instant is the one after every event at
-- or before it (exec/plan.go: no zero-length span), so buffer never holds
-- and play is not entered twice.
-- Times are seconds from 2024-01-01T00:00:00Z.
-- topic: heartbeats partitions=1
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate BIGINT
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW visits WITH (timeline_ttl = '60s') AS
SELECT session_id, session_start(ts, '10s') AS s_start, session_end(ts, '10s') AS s_end,
  count(*) AS events,
  tl_duration_between(action = 'init', player = 'play') AS startup_ms,
  tl_duration_where(tl_latest(player) = 'play' AND NOT tl_within(action = 'seek', INTERVAL 2 SECOND)) AS clean_play_ms,
  tl_count_entries(tl_latest(player) = 'play') AS play_starts,
  tl_value_at_end(tl_latest(cdn)) AS cdn
FROM heartbeats GROUP BY session_id, session(ts, '10s');
