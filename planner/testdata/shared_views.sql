-- A plain view read by two materialized views is one subgraph that fans
-- out; a materialized view read by another one (a cascaded window) is an
-- edge from its operator; a source read by several views is one Source.
-- golden: dot
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', event_time = 'ts', watermark_delay = '2s');

CREATE VIEW good AS SELECT session_id, ts, cdn, bitrate FROM heartbeats WHERE bitrate > 0;

CREATE MATERIALIZED VIEW per_minute AS
  SELECT cdn, tumble_start(ts, '1m') AS minute, count(*) AS n, sum(bitrate) AS total
  FROM good GROUP BY cdn, tumble(ts, '1m');

CREATE MATERIALIZED VIEW per_session AS
  SELECT session_id, window_start() AS w, max(bitrate) AS peak
  FROM good GROUP BY session_id, tumble(ts, '10m');

CREATE MATERIALIZED VIEW per_hour AS
  SELECT cdn, tumble_start(minute, '1h') AS hour, sum(n) AS n, sum(total) / sum(n) AS avg_bitrate
  FROM per_minute GROUP BY cdn, tumble(minute, '1h');

CREATE SINK raw_copy FROM heartbeats WITH (connector = 'stdout');
CREATE SINK per_hour_out FROM per_hour WITH (connector = 'blackhole');
