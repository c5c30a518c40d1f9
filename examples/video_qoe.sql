-- Video quality of experience (QoE), per session and per CDN, every minute,
-- with the timeline functions (SPEC §5).
--
--   spate run examples/video_qoe.sql --exit-at-end --db qoe.duckdb
--   spate query "SELECT * FROM cdn_qoe ORDER BY minute, cdn" --db qoe.duckdb
--
-- The video_sessions generator plays 2000 sessions at once: each emits a
-- player heartbeat every 2000/4000 = 0.5 s of event time, and a field only
-- when it changes (player state, action, cdn, bitrate, error); a stopped
-- session is replaced by a new one. 2,000,000 events at 4000/s are 500 s
-- (8 minutes and 20 s) of viewing by about 7400 sessions. Every session of
-- the first wave starts at 00:00, so the first minute holds most attempts
-- and the lowest bitrates (players ramp up).
CREATE SOURCE heartbeats WITH (
  connector = 'video_sessions', sessions = '2000', events = '2000000', rate = '4000', seed = '1'
);

-- One row per session and minute. A session's states carry across
-- minutes, and its timeline ends 30 s after its last event (heartbeats
-- come every 0.5 s, so only a stopped session goes quiet that long).
CREATE MATERIALIZED VIEW session_qoe WITH (timeline_ttl = '30s') AS
SELECT session_id,
       tumble_start(ts, '1m') AS minute,
       count(*) AS events,
       -- The CDN serving the session at the end of the minute (or when it
       -- stopped): the per-CDN view charges the whole minute to it.
       tl_value_at_end(tl_latest(cdn)) AS cdn,
       -- Time spent playing, in ms.
       tl_duration_where(tl_latest(player) = 'play') AS play_ms,
       -- Rebuffering: buffering once the video has started (startup is
       -- the 'attempt' state, not buffering).
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')) AS buffer_ms,
       -- Connection-induced rebuffering (CIR, the query of SPEC §5 without
       -- its CDN filter): rebuffering the viewer did not cause, i.e. not
       -- within 5 s of a seek.
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
                         AND NOT tl_within(action = 'seek', '5s')) AS cir_ms,
       -- How many connection-induced stalls began in the minute.
       tl_count_entries(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')
                        AND NOT tl_within(action = 'seek', '5s')) AS cir_stalls,
       -- Rebuffering ratio: share of the watching time (play + buffer)
       -- spent rebuffering; NULL when the session did not watch.
       tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play'))
         / nullif(tl_duration_where(tl_latest(player) = 'play')
                  + tl_duration_where(tl_latest(player) = 'buffer' AND tl_ever(player = 'play')), 0)
         AS rebuffering_ratio,
       -- Video start time: from the attempt to the first play, reported
       -- in the minute the video started (NULL in the others).
       tl_duration_between(player = 'attempt', player = 'play') AS vst_ms,
       -- Attempts started in the minute (tl_ever turns true once).
       tl_count_entries(tl_ever(player = 'attempt')) AS attempts,
       -- Video start failures: the session stopped on a fatal error before
       -- it ever played; counted once, in the minute of the error.
       tl_count_entries(tl_ever(error IS NOT NULL) AND NOT tl_ever(player = 'play')) AS start_failures,
       -- Exits before video start: stopped without an error before the
       -- first play (the viewer gave up waiting).
       tl_count_entries(tl_latest(player) = 'stopped' AND NOT tl_ever(player = 'play')
                        AND NOT tl_ever(error IS NOT NULL)) AS exits_before_start,
       -- Playback failures: a fatal error after the video started.
       tl_count_entries(tl_ever(error IS NOT NULL) AND tl_ever(player = 'play')) AS playback_failures,
       -- Time-weighted average bitrate while playing, in kbps. There is no
       -- integral of a numeric state, but the generator's bitrates come
       -- from a fixed ABR ladder, so the integral is a sum over its rungs
       -- of rung * ms played at that rung (exact), divided by the ms played.
       (  300 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 300)
        + 750 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 750)
        + 1200 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 1200)
        + 2350 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 2350)
        + 3500 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 3500)
        + 5800 * tl_duration_where(tl_latest(player) = 'play' AND tl_latest(bitrate) = 5800))
         / nullif(tl_duration_where(tl_latest(player) = 'play'), 0) AS avg_bitrate_kbps
FROM heartbeats
GROUP BY session_id, tumble(ts, '1m');

-- One row per CDN and minute, over the session rows. Ratios are taken of
-- the sums (time-weighted over all sessions), not averaged per session.
CREATE MATERIALIZED VIEW cdn_qoe AS
SELECT cdn,
       tumble_start(minute, '1m') AS minute,
       -- Sessions that sent events in the minute (a stopped session's
       -- timeline lingers 30 s with none).
       sum(CASE WHEN events > 0 THEN 1 ELSE 0 END) AS sessions,
       sum(play_ms) / 1000 AS play_s,
       sum(buffer_ms) / nullif(sum(play_ms + buffer_ms), 0) AS rebuffering_ratio,
       sum(cir_ms) / nullif(sum(play_ms + buffer_ms), 0) AS cir_ratio,
       sum(cir_stalls) AS cir_stalls,
       avg(vst_ms) AS avg_vst_ms,
       max(vst_ms) AS max_vst_ms,
       sum(attempts) AS attempts,
       sum(start_failures) AS start_failures,
       sum(start_failures) / nullif(sum(attempts), 0) AS vsf_rate,
       sum(exits_before_start) AS exits_before_start,
       sum(playback_failures) AS playback_failures,
       sum(avg_bitrate_kbps * play_ms) / nullif(sum(play_ms), 0) AS avg_bitrate_kbps
FROM session_qoe
GROUP BY cdn, tumble(minute, '1m');
