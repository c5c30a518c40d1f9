-- Hand-computed (DuckDB has no timeline semantics). Times in seconds from
-- 2024-01-01T00:00:00Z; windows [m, m+60); ttl 45 s.
--
-- g (tv): the debug event at 25 is filtered out by real_events, so the
-- events are 5 PLAY, 20 Pause, 50 play, 80 pause; gaps <= 30 s: one
-- timeline [5, 125).
--   lower(player): play [5,20), pause [20,50), play [50,80), pause [80,125)
--   [0,60):    events 3; play [5,20) + [50,60) = 25000; status at the
--              window's end: play -> 'watching'. Kept (>= 10000).
--   [60,120):  events 1; play [60,80) = 20000; status 'idle' (pause). Kept.
--   [120,180): timeline until 125, play 0: dropped by HAVING.
--
-- h (phone): 10 play, 14 buffer; next event 70 is 56 s later (>= 45 s):
-- timeline 1 is [10, 59); timeline 2 starts at 70: 70 play, 95 stopped,
-- ends at 140.
--   [0,60):    play [10,14) = 4000: dropped by HAVING.
--   [60,120):  events 2; play [70,95) = 25000; status 'idle' (stopped). Kept.
--   [120,180): play 0: dropped.
-- play_pct = play_ms * 100 / 60000 (a DOUBLE, as in DuckDB).
-- view: engaged
SELECT device, session_id, minute, events, play_ms, play_ms * 100 / 60000 AS play_pct, status
FROM (VALUES
  ('tv', 'g', TIMESTAMP '2024-01-01 00:00:00', 3, 25000, 'watching'),
  ('tv', 'g', TIMESTAMP '2024-01-01 00:01:00', 1, 20000, 'idle'),
  ('phone', 'h', TIMESTAMP '2024-01-01 00:01:00', 2, 25000, 'idle')
) AS t(device, session_id, minute, events, play_ms, status);
