-- view: session_qoe
-- Spans of (player, cdn) state between change events; the last lasts
-- until the timeline ends, 30 s after the session's last event.
WITH last_ev AS (SELECT session_id, max(ts) AS last_ts FROM hb GROUP BY session_id),
first_play AS (SELECT session_id, min(ts) AS t FROM hb WHERE player = 'play' GROUP BY session_id),
chg AS (
  SELECT session_id, ts,
         last_value(player IGNORE NULLS) OVER (PARTITION BY session_id ORDER BY ts) AS pl,
         last_value(cdn IGNORE NULLS) OVER (PARTITION BY session_id ORDER BY ts) AS cd
  FROM hb WHERE player IS NOT NULL OR cdn IS NOT NULL),
spans AS (
  SELECT c.session_id, c.pl, c.cd, c.ts AS s,
         coalesce(lead(c.ts) OVER (PARTITION BY c.session_id ORDER BY c.ts), l.last_ts + INTERVAL 30 SECOND) AS e,
         fp.t IS NOT NULL AND c.ts >= fp.t AS played
  FROM chg c JOIN last_ev l USING (session_id) LEFT JOIN first_play fp USING (session_id)),
-- Each span cut into the minutes it overlaps.
cut AS (
  SELECT *, epoch_ms(least(e, m + INTERVAL 1 MINUTE)) - epoch_ms(greatest(s, m)) AS ms
  FROM (SELECT *, unnest(generate_series(time_bucket(INTERVAL 1 MINUTE, s), e - INTERVAL 1 MILLISECOND, INTERVAL 1 MINUTE)) AS m
        FROM spans WHERE e > s)),
-- [seek, seek + 5 s), overlapping ones merged.
seek_w AS (
  SELECT *, CASE WHEN s <= max(e) OVER (PARTITION BY session_id ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                 THEN 0 ELSE 1 END AS fresh
  FROM (SELECT session_id, ts AS s, ts + INTERVAL 5 SECOND AS e FROM hb WHERE action = 'seek')),
seeks AS (
  SELECT session_id, min(s) AS s, max(e) AS e
  FROM (SELECT *, sum(fresh) OVER (PARTITION BY session_id ORDER BY s) AS grp FROM seek_w)
  GROUP BY session_id, grp),
hidden AS (
  SELECT c.session_id, c.m,
         sum(greatest(0, epoch_ms(least(c.e, k.e, c.m + INTERVAL 1 MINUTE)) - epoch_ms(greatest(c.s, k.s, c.m)))) AS ms
  FROM cut c JOIN seeks k ON k.session_id = c.session_id AND k.s < c.e AND k.e > c.s
  WHERE c.pl = 'buffer' AND c.played
  GROUP BY c.session_id, c.m),
per_min AS (
  SELECT session_id, m,
         arg_max(cd, s) AS cdn,
         sum(CASE WHEN pl = 'play' THEN ms ELSE 0 END) AS play_ms,
         sum(CASE WHEN pl = 'buffer' AND played THEN ms ELSE 0 END) AS buffer_ms
  FROM cut GROUP BY session_id, m),
events AS (SELECT session_id, time_bucket(INTERVAL 1 MINUTE, ts) AS m, count(*) AS n FROM hb GROUP BY ALL),
vst AS (
  SELECT a.session_id, time_bucket(INTERVAL 1 MINUTE, fp.t) AS m, epoch_ms(fp.t) - epoch_ms(a.ts) AS ms
  FROM hb a JOIN first_play fp USING (session_id) WHERE a.player = 'attempt'),
failures AS (
  SELECT session_id, time_bucket(INTERVAL 1 MINUTE, ts) AS m, count(*) AS n
  FROM hb WHERE error IS NOT NULL AND session_id NOT IN (SELECT session_id FROM first_play) GROUP BY ALL)
SELECT p.session_id, p.m, coalesce(ev.n, 0), p.cdn, p.play_ms, p.buffer_ms, p.buffer_ms - coalesce(h.ms, 0),
       v.ms, coalesce(f.n, 0)
FROM per_min p
LEFT JOIN events ev USING (session_id, m)
LEFT JOIN hidden h USING (session_id, m)
LEFT JOIN vst v USING (session_id, m)
LEFT JOIN failures f USING (session_id, m);
