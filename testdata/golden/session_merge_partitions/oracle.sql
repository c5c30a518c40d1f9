-- view: device_sessions
WITH o AS (
  SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY device ORDER BY ts) < INTERVAL 10 SECOND THEN 0 ELSE 1 END AS brk
  FROM traffic),
s AS (
  SELECT *, sum(brk) OVER (PARTITION BY device ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid
  FROM o)
SELECT device, min(ts), max(ts) + INTERVAL 10 SECOND, count(*), sum(bytes), max(bytes)
FROM s
GROUP BY device, sid;

-- view: kind_sessions
WITH o AS (
  SELECT upper(kind) AS k, ts,
         CASE WHEN ts - lag(ts) OVER (PARTITION BY upper(kind) ORDER BY ts) < INTERVAL 10 SECOND THEN 0 ELSE 1 END AS brk
  FROM traffic),
s AS (
  SELECT *, sum(brk) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid
  FROM o)
SELECT k, min(ts), max(ts) + INTERVAL 10 SECOND, count(*)
FROM s
GROUP BY k, sid;
