-- Hand-computed (DuckDB has no timeline semantics). Times in seconds from
-- 2024-01-01T00:00:00Z; hop windows [s, s+20) for s a multiple of 10;
-- ttl 20 s. Every event carries player and bitrate, so "n events back"
-- and "latest non-NULL value" agree on which event they mean.
--
-- Session c: e1 1 (play, 1000), e2 4 (play, 2000), e3 9 (play, 1500),
-- e4 13 (buffer, 1500), e5 16 (play, 3000), e6 27 (play, 3000). Largest
-- gap 11 s < 20 s: one timeline [1, 27 + 20 = 47).
--   latest(bitrate): 1000 [1,4), 2000 [4,9), 1500 [9,16), 3000 [16,47)
--   prior(bitrate) (e_{k-1} after e_k): NULL [1,4), 1000 [4,9),
--     2000 [9,13), 1500 [13,16), 1500 [16,27), 3000 [27,47)
--   prior(bitrate, 2): NULL [1,9), 1000 [9,13), 2000 [13,16),
--     1500 [16,27), 1500 [27,47)
--   latest > prior: true on [4,9) and [16,27) only (NULL on [1,4) counts
--     as false; 1500 > 2000, 1500 > 1500, 3000 > 3000 are false)
--   player: play [1,13), buffer [13,16), play [16,47) (the events at 4, 9
--     and 27 repeat play and change nothing, so play began at 1 and 16)
-- Values at a window's end are those at its last instant, or at the
-- timeline's end (47) when it ends inside; tl_duration_in_state is
-- (window end, or 47) - (when player's current value began), which SPEC
-- §5 defines as "ms since the current value began", not clipped to the
-- window.
--   ws  events br   prev prev2 delta rising_ms              player_for_ms
--   -10 3      1500 2000 1000  -500  [4,9) = 5000           10-1  = 9000
--   0   5      3000 1500 1500  1500  [4,9)+[16,20) = 9000   20-16 = 4000
--   10  3      3000 3000 1500  0     [16,27) = 11000        30-16 = 14000
--   20  1      3000 3000 1500  0     [20,27) = 7000         40-16 = 24000
--   30  0      3000 3000 1500  0     0                      47-16 = 31000
--   40  0      3000 3000 1500  0     0                      47-16 = 31000
--
-- Session d: 3 (play, 500), 6 (play, 700); timeline [3, 26).
--   latest: 500 [3,6), 700 [6,26); prior: NULL [3,6), 500 [6,26);
--   prior 2: NULL throughout; latest > prior on [6,26); play since 3.
--   ws  events br  prev prev2 delta rising_ms        player_for_ms
--   -10 2      700 500  NULL  200   [6,10) = 4000    10-3 = 7000
--   0   2      700 500  NULL  200   [6,20) = 14000   20-3 = 17000
--   10  0      700 500  NULL  200   [10,26) = 16000  26-3 = 23000
--   20  0      700 500  NULL  200   [20,26) = 6000   26-3 = 23000
-- view: bitrate_hop
SELECT session_id, ws, ws + INTERVAL 20 SECOND AS we, events, br, br_prev, br_prev2, br_delta, rising_ms, player_for_ms
FROM (VALUES
  ('c', TIMESTAMP '2023-12-31 23:59:50', 3, 1500, 2000, 1000, -500, 5000, 9000),
  ('c', TIMESTAMP '2024-01-01 00:00:00', 5, 3000, 1500, 1500, 1500, 9000, 4000),
  ('c', TIMESTAMP '2024-01-01 00:00:10', 3, 3000, 3000, 1500, 0, 11000, 14000),
  ('c', TIMESTAMP '2024-01-01 00:00:20', 1, 3000, 3000, 1500, 0, 7000, 24000),
  ('c', TIMESTAMP '2024-01-01 00:00:30', 0, 3000, 3000, 1500, 0, 0, 31000),
  ('c', TIMESTAMP '2024-01-01 00:00:40', 0, 3000, 3000, 1500, 0, 0, 31000),
  ('d', TIMESTAMP '2023-12-31 23:59:50', 2, 700, 500, NULL, 200, 4000, 7000),
  ('d', TIMESTAMP '2024-01-01 00:00:00', 2, 700, 500, NULL, 200, 14000, 17000),
  ('d', TIMESTAMP '2024-01-01 00:00:10', 0, 700, 500, NULL, 200, 16000, 23000),
  ('d', TIMESTAMP '2024-01-01 00:00:20', 0, 700, 500, NULL, 200, 6000, 23000)
) AS t(session_id, ws, events, br, br_prev, br_prev2, br_delta, rising_ms, player_for_ms);
