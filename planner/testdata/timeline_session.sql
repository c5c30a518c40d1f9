-- Timeline aggregates per session window, over a plain view that filters
-- and renames (inlined: the rules see through it), read by a second
-- materialized view that keeps the busy sessions.
-- golden: dot
CREATE SOURCE sessions WITH (connector = 'video_sessions', events = '1000', seed = '7');

CREATE VIEW plays AS SELECT session_id AS sid, ts, player, cdn FROM sessions WHERE player IS NOT NULL;

CREATE MATERIALIZED VIEW per_visit WITH (timeline_ttl = '2m') AS
SELECT sid, session_start(ts, '30s') AS started, session_end(ts, '30s') AS ended,
  tl_duration_where(tl_latest(player) = 'play') AS play_ms,
  tl_count_entries(tl_latest(cdn) <> 'C1') AS cdn_switches,
  tl_value_at_end(tl_latest(cdn)) AS last_cdn
FROM plays GROUP BY sid, session(ts, '30s');

CREATE MATERIALIZED VIEW long_plays AS SELECT sid, started, play_ms FROM per_visit WHERE play_ms > 60000;
