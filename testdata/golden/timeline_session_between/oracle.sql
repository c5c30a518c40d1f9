-- Hand-computed (DuckDB has no timeline semantics). Times in seconds from
-- 2024-01-01T00:00:00Z. Session windows: a key's events closer than 10 s
-- chain into one window [first event, last event + 10). ttl 60 s: no
-- key has a 60 s gap, so each key has one timeline, from its first event
-- to its last + 60, and states carry from one session window to the next.
-- tl_within(action = 'seek', 2s) is true on [t, t+2) after each seek.
--
-- Session d: 0 init cdn=A, 3 init, 6 play, 8 seek, 12 cdn=B | 40 buffer,
-- 43 play. Session windows [0, 22) and [40, 53).
--   player: NULL [0,6), play [6,40), buffer [40,43), play [43,...)
--   within(seek): [8,10); cdn: A [0,12), B [12,...)
--   [0,22):  events 5; startup = first init (0) to the next play (6) =
--            6000, reported here (the play falls here); clean play =
--            play [6,22) minus [8,10) = 2000 + 12000 = 14000; play entries
--            1 (at 6, from NULL = not play); cdn at end B.
--   [40,53): events 2; startup NULL (no end event here completes a
--            start: the only init-to-play pair ended at 6); clean play
--            [43,53) = 10000; play entries 1 (buffer -> play at 43); cdn B,
--            carried from the first session window (set at 12).
--
-- Session e: 5 init cdn=A, 9 seek, 10 play, 15 buffer and then 15 play
-- (same instant, in arrival order), 17 play, 19 seek. Session window
-- [5, 29).
--   player: NULL [5,10), play [10,...): at 15 the state is the one after
--     both events, play; buffer holds on the empty span [15,15), which is
--     no time and no transition (exec/plan.go: "events at the same time
--     leave no zero-length span"); 17 repeats play.
--   within(seek): [9,11) and [19,21)
--   events 7; startup 10 - 5 = 5000; clean play = [11,19) + [21,29) =
--   8000 + 8000 = 16000; play entries 1 (at 10); cdn A.
--
-- Session f: 100 init cdn=C, 115 play (15 s apart: two session windows).
--   [100,110): events 1; startup NULL (the play falls in the next
--              window); clean play 0; play entries 0; cdn C.
--   [115,125): events 1; startup 115 - 100 = 15000; clean play [115,125)
--              = 10000; play entries 1; cdn C (carried, set at 100).
-- view: visits
SELECT * FROM (VALUES
  ('d', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:00:22', 5, 6000, 14000, 1, 'B'),
  ('d', TIMESTAMP '2024-01-01 00:00:40', TIMESTAMP '2024-01-01 00:00:53', 2, NULL, 10000, 1, 'B'),
  ('e', TIMESTAMP '2024-01-01 00:00:05', TIMESTAMP '2024-01-01 00:00:29', 7, 5000, 16000, 1, 'A'),
  ('f', TIMESTAMP '2024-01-01 00:01:40', TIMESTAMP '2024-01-01 00:01:50', 1, NULL, 0, 0, 'C'),
  ('f', TIMESTAMP '2024-01-01 00:01:55', TIMESTAMP '2024-01-01 00:02:05', 1, 15000, 10000, 1, 'C')
) AS t(session_id, s_start, s_end, events, startup_ms, clean_play_ms, play_starts, cdn);
