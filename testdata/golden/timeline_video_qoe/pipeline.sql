-- Timeline functions over the video_sessions generator: per session and
-- minute, playing and rebuffering time, connection-induced rebuffering
-- (SPEC §5's CIR without the CDN filter), video start time, start
-- failures, the CDN at the end of the minute and the events in it.
-- 300 sessions with a heartbeat every 0.5 s for 500 s (about 1100
-- sessions); the timeline ends 30 s after a session's last event.
CREATE SOURCE hb WITH (connector = 'video_sessions', sessions = '300', events = '300000', rate = '600', seed = '7');

CREATE MATERIALIZED VIEW session_qoe WITH (timeline_ttl = '30s') AS
SELECT session_id, tumble_start(ts, '1m') AS minute, count(*) AS events,
       tl_value_at_end(tl_latest(cdn)) AS cdn,
       tl_duration_where(tl_latest(player) = 'play') AS play_ms,
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')) AS buffer_ms,
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
                         AND NOT tl_within(action = 'seek', '5s')) AS cir_ms,
       tl_duration_between(player = 'attempt', player = 'play') AS vst_ms,
       tl_count_entries(tl_ever(error IS NOT NULL) AND NOT tl_ever(player = 'play')) AS start_failures
FROM hb
GROUP BY session_id, tumble(ts, '1m');
