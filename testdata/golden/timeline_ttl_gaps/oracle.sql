-- Hand-computed (DuckDB has no timeline semantics). Times in seconds from
-- 2024-01-01T00:00:00Z; windows [w, w+20); ttl 30 s.
--
-- Session a. Timeline 1: events 2 play, 8 buffer, 11 play; the next event
-- comes at 75 (64 s later >= 30 s), so timeline 1 is [2, 41).
--   player: play [2,8), buffer [8,11), play [11,41)
--   ever(player = 'buffer'): false [2,8), true [8,41)
-- Timeline 2 (all states reset): 75 play, 81 buffer, 84 play, 95 stopped;
-- it ends at 95 + 30 = 125, so it is [75, 125).
--   player: play [75,81), buffer [81,84), play [84,95), stopped [95,125)
--   ever(player = 'buffer'): false [75,81) (reset), true [81,125)
-- Windows a timeline of a overlaps: 0, 20, 40 (timeline 1 until 41) and
-- 60, 80, 100, 120 (timeline 2 from 75 until 125).
--   w   events play_ms                 since_first_buffer rebuffers at_end
--   0   3      [2,8)+[11,20) = 15000   [8,20)   = 12000   1 (8)     play
--   20  0      [20,40) = 20000         20000              0         play
--   40  0      [40,41) = 1000          [40,41)  = 1000    0         play (timeline's end, 41)
--   60  1      [75,80) = 5000          0 (reset)          0         play
--   80  3      [80,81)+[84,95) = 12000 [81,100) = 19000   1 (81)    stopped
--   100 0      0                       20000              0         stopped
--   120 0      0                       [120,125) = 5000   0         stopped (timeline's end, 125)
--
-- Session b: events in arrival order 5 play, 14 play, 10 buffer, 33
-- stopped; in event-time order 5 play, 10 buffer, 14 play, 33 stopped.
-- No gap >= 30 s, so one timeline [5, 63).
--   player: play [5,10), buffer [10,14), play [14,33), stopped [33,63)
--   ever(player = 'buffer'): true from 10
--   w   events play_ms                 since_first_buffer rebuffers at_end
--   0   3      [5,10)+[14,20) = 11000  [10,20) = 10000    1 (10)    play
--   20  1      [20,33) = 13000         20000              0         stopped
--   40  0      0                       20000              0         stopped
--   60  0      0                       [60,63) = 3000     0         stopped (timeline's end, 63)
-- view: play_20s
SELECT * FROM (VALUES
  ('a', TIMESTAMP '2024-01-01 00:00:00', 3, 15000, 12000, 1, 'play'),
  ('a', TIMESTAMP '2024-01-01 00:00:20', 0, 20000, 20000, 0, 'play'),
  ('a', TIMESTAMP '2024-01-01 00:00:40', 0, 1000, 1000, 0, 'play'),
  ('a', TIMESTAMP '2024-01-01 00:01:00', 1, 5000, 0, 0, 'play'),
  ('a', TIMESTAMP '2024-01-01 00:01:20', 3, 12000, 19000, 1, 'stopped'),
  ('a', TIMESTAMP '2024-01-01 00:01:40', 0, 0, 20000, 0, 'stopped'),
  ('a', TIMESTAMP '2024-01-01 00:02:00', 0, 0, 5000, 0, 'stopped'),
  ('b', TIMESTAMP '2024-01-01 00:00:00', 3, 11000, 10000, 1, 'play'),
  ('b', TIMESTAMP '2024-01-01 00:00:20', 1, 13000, 20000, 0, 'stopped'),
  ('b', TIMESTAMP '2024-01-01 00:00:40', 0, 0, 20000, 0, 'stopped'),
  ('b', TIMESTAMP '2024-01-01 00:01:00', 0, 0, 3000, 0, 'stopped')
) AS t(session_id, w, events, play_ms, since_first_buffer_ms, rebuffers, player_at_end);
