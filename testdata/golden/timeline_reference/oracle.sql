-- The oracle is the table printed in SPEC §5, hand-computed there
-- independently of spate (DuckDB has no timeline semantics to evaluate
-- the same SQL with), so it is given as a VALUES list:
--
--   w    | cir_ms | buf_ms | watch_ms | rebuffers | cdn
--   0 s  |   6000 |   8000 |    30000 |         2 | C1
--   30 s |      0 |   3000 |     5000 |         1 | C2
--
-- (The seek at 10 s hides the buffering at [11,13) from cir_ms; the switch
-- to CDN C2 at 30 s hides [32,35); the timeline ends at 50 s, 15 s after
-- 'stopped', so watch_ms of the second window is play [30,32) + buffer
-- [32,35) and cdn is the value at the timeline's end.)
-- view: cir
SELECT * FROM (VALUES
  ('s1', TIMESTAMP '2024-01-01 00:00:00', 6000, 8000, 30000, 2, 'C1'),
  ('s1', TIMESTAMP '2024-01-01 00:00:30', 0, 3000, 5000, 1, 'C2')
) AS t(session_id, w, cir_ms, buf_ms, watch_ms, rebuffers, cdn);
