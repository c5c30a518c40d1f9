-- A plain view inlined into a materialized view; filters merge and are
-- pushed below computing projections; literals are coerced at plan time
-- (timestamp strings, INTERVAL arithmetic, IN lists, BETWEEN); columns
-- nobody reads are pruned before the filter.
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE, seq INT
) WITH (connector = 'kafka', topic = 'heartbeats', event_time = 'ts');

CREATE VIEW plays AS
  SELECT session_id, ts, lower(player) AS player, bitrate / 1000 AS mbps, seq
  FROM heartbeats WHERE player IS NOT NULL;

CREATE MATERIALIZED VIEW recent_plays AS
  SELECT session_id, ts + INTERVAL 1 HOUR AS local_ts, player,
         CASE WHEN mbps >= 5 THEN 'hd' WHEN mbps >= 2 THEN 'sd' ELSE 'low' END AS quality,
         seq % 2 AS parity, seq DIV 3 AS third, 1 + 2 * 3 AS seven
  FROM plays
  WHERE ts >= '2024-01-01 00:00:00' AND player IN ('play', 'buffer')
    AND seq BETWEEN 1 AND 100 AND session_id LIKE 's%';
