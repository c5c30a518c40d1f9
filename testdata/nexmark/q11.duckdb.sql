-- A new session starts where the gap to the bidder's previous bid is
-- 10 s or more; a session ends 10 s after its last bid.
WITH o AS (
  SELECT bidder, date_time,
         CASE WHEN date_time - lag(date_time) OVER (PARTITION BY bidder ORDER BY date_time) < INTERVAL 10 SECOND
              THEN 0 ELSE 1 END AS brk
  FROM bid),
s AS (SELECT *, sum(brk) OVER (PARTITION BY bidder ORDER BY date_time ROWS UNBOUNDED PRECEDING) AS sid FROM o)
SELECT bidder, count(*), min(date_time), max(date_time) + INTERVAL 10 SECOND
FROM s GROUP BY bidder, sid;
