-- SPEC §5 reference query: timeline states shared between aggregates
-- (tl_latest(player) is read by three aggregates and planned once), a
-- view-level timeline_ttl, tl_within with a string duration.
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW cir WITH (timeline_ttl = '15s') AS
SELECT session_id, tumble_start(ts, '30s') AS w,
  tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
    AND NOT tl_within(action = 'seek', '5s') AND tl_latest(cdn) = 'C1') AS cir_ms,
  tl_duration_where(tl_latest(player) = 'buffer') AS buf_ms,
  tl_duration_where(tl_latest(player) IN ('play', 'buffer')) AS watch_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(cdn)) AS cdn
FROM heartbeats GROUP BY session_id, tumble(ts, '30s');
