-- Timeline aggregates beside plain ones on a hop window: count(*) and
-- max() ride along as the node's plain aggregates; HAVING mixes both
-- kinds; tl_prior with and without n; tl_within with an INTERVAL;
-- tl_duration_between over input-row predicates; tl_value_at_end of a
-- numeric state expression; the default timeline_ttl (5m).
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json', event_time = 'ts');

CREATE MATERIALIZED VIEW session_stats AS
SELECT session_id, hop_start(ts, '10s', '30s') AS ws, window_end() AS we,
  count(*) AS events,
  tl_duration_between(action = 'init', player = 'play') AS startup_ms,
  tl_value_at_end(tl_prior(player)) AS prev_player,
  tl_value_at_end(tl_prior(player, 2)) AS prev2_player,
  tl_duration_in_state(tl_latest(player)) AS in_state_ms,
  tl_value_at_end(tl_latest(bitrate) / 1000) AS mbps,
  tl_duration_where(tl_latest(bitrate) < 1500 AND NOT tl_within(action = 'seek', INTERVAL 3 SECOND)) AS low_ms,
  max(bitrate) AS top
FROM heartbeats
GROUP BY session_id, hop(ts, '10s', '30s')
HAVING count(*) > 0 OR tl_count_entries(tl_latest(player) = 'buffer') > 0;
