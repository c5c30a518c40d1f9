-- Session windows and a generator source with a declared event time.
CREATE SOURCE sessions WITH (connector = 'video_sessions', events = '1000', seed = '7');

CREATE MATERIALIZED VIEW viewing AS
  SELECT session_id, session_start(ts, '30s') AS started, session_end(ts, '30s') AS ended,
         count(*) AS heartbeats, count(DISTINCT cdn) AS cdns, min(bitrate) AS min_bitrate
  FROM sessions
  GROUP BY session_id, session(ts, '30s');
