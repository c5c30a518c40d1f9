-- view: category_stats
SELECT category, count(*), avg(initial_bid), max(reserve), min(expires), count(DISTINCT seller)
FROM auction
GROUP BY category;

-- view: busy_states
SELECT state, count(*), count(DISTINCT city), min(name)
FROM person
GROUP BY state
HAVING count(*) > 1;

-- view: seller_sessions
WITH o AS (
  SELECT seller, date_time,
         CASE WHEN date_time - lag(date_time) OVER (PARTITION BY seller ORDER BY date_time) < INTERVAL 20 MILLISECOND THEN 0 ELSE 1 END AS brk
  FROM auction),
s AS (
  SELECT *, sum(brk) OVER (PARTITION BY seller ORDER BY date_time ROWS UNBOUNDED PRECEDING) AS sid
  FROM o)
SELECT seller, min(date_time), max(date_time) + INTERVAL 20 MILLISECOND, count(*)
FROM s
GROUP BY seller, sid;
