-- Timelines across 20 s tumbling windows with timeline_ttl = '30s', two
-- sessions on two partitions keyed by session id, a plain count(*)
-- beside the timeline aggregates.
--   - Session a goes quiet from 11 s to 75 s (64 s >= the 30 s ttl): its
--     first timeline ends at 41 s, and the event at 75 s starts a second
--     one with every state reset (tl_ever(player = 'buffer') is false
--     again until 81 s).
--   - Windows a timeline overlaps without events get a row with
--     count(*) = 0 and the state carried in.
--   - Session b's event at 10 s arrives after its event at 14 s (within
--     the 5 s watermark delay): events are ordered by event time, so
--     player is buffer on [10,14).
-- Times are seconds from 2024-01-01T00:00:00Z.
-- topic: heartbeats partitions=2
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate BIGINT
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW play_20s WITH (timeline_ttl = '30s') AS
SELECT session_id, tumble_start(ts, '20s') AS w, count(*) AS events,
  tl_duration_where(tl_latest(player) = 'play') AS play_ms,
  tl_duration_where(tl_ever(player = 'buffer')) AS since_first_buffer_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(player)) AS player_at_end
FROM heartbeats GROUP BY session_id, tumble(ts, '20s');
