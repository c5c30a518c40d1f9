-- SPEC §5 reference fixture, verbatim: session s1, times in seconds from
-- 2024-01-01T00:00:00Z (a multiple of 30 s since the epoch, so the 30 s
-- windows start at 0 s and 30 s of the fixture), timeline_ttl 15s, and
-- the exact SELECT of SPEC §5. Events patch only the fields they carry
-- (the others are missing from the JSON, so NULL: sparse patches).
-- topic: heartbeats partitions=1
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s', on_error = 'dead_letter');

CREATE MATERIALIZED VIEW cir WITH (timeline_ttl = '15s') AS
SELECT session_id, tumble_start(ts, '30s') AS w,
  tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
    AND NOT tl_within(action = 'seek', '5s') AND tl_latest(cdn) = 'C1') AS cir_ms,
  tl_duration_where(tl_latest(player) = 'buffer') AS buf_ms,
  tl_duration_where(tl_latest(player) IN ('play', 'buffer')) AS watch_ms,
  tl_count_entries(tl_latest(player) = 'buffer') AS rebuffers,
  tl_value_at_end(tl_latest(cdn)) AS cdn
FROM heartbeats GROUP BY session_id, tumble(ts, '30s');
