-- Timeline aggregates over hop windows (slide 10 s, size 20 s: every
-- instant is in two windows, each computed on its own) with numeric
-- states: tl_latest and tl_prior of a BIGINT column (n = 1 and 2),
-- combined pointwise (-, >), tl_value_at_end of numeric states and
-- tl_duration_in_state. Two sessions interleaved on one partition: each
-- key keeps its own event history for tl_prior. Session d has only two
-- events, so tl_prior(bitrate, 2) stays NULL for it. timeline_ttl 20s.
-- The last line, c at 5 s, comes when the watermark is at 25 s: both
-- windows holding 5 s were emitted already, so it is late (dropped and
-- dead-lettered) and changes nothing.
-- Times are seconds from 2024-01-01T00:00:00Z.
-- topic: heartbeats partitions=1
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate BIGINT
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW bitrate_hop WITH (timeline_ttl = '20s') AS
SELECT session_id, hop_start(ts, '10s', '20s') AS ws, hop_end(ts, '10s', '20s') AS we,
  count(*) AS events,
  tl_value_at_end(tl_latest(bitrate)) AS br,
  tl_value_at_end(tl_prior(bitrate)) AS br_prev,
  tl_value_at_end(tl_prior(bitrate, 2)) AS br_prev2,
  tl_value_at_end(tl_latest(bitrate) - tl_prior(bitrate)) AS br_delta,
  tl_duration_where(tl_latest(bitrate) > tl_prior(bitrate)) AS rising_ms,
  tl_duration_in_state(tl_latest(player)) AS player_for_ms
FROM heartbeats GROUP BY session_id, hop(ts, '10s', '20s');
