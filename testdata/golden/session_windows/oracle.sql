-- view: user_sessions
WITH o AS (
  SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) < INTERVAL 30 SECOND THEN 0 ELSE 1 END AS brk
  FROM activity),
s AS (
  SELECT *, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid
  FROM o)
SELECT user_id, min(ts), max(ts) + INTERVAL 30 SECOND, count(*), count(DISTINCT action),
       min(action), max(ts), sum(points)
FROM s
GROUP BY user_id, sid;
