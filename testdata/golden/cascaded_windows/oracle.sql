-- view: per_minute
WITH per10 AS (
  SELECT page, time_bucket(INTERVAL '10 seconds', ts) AS w, count(*) AS n, sum(ms) AS ms
  FROM clicks GROUP BY page, time_bucket(INTERVAL '10 seconds', ts))
SELECT page, time_bucket(INTERVAL '1 minute', w), sum(n), max(n), count(*)
FROM per10
GROUP BY page, time_bucket(INTERVAL '1 minute', w);

-- view: page_peak
WITH per10 AS (
  SELECT page, time_bucket(INTERVAL '10 seconds', ts) AS w, count(*) AS n, sum(ms) AS ms
  FROM clicks GROUP BY page, time_bucket(INTERVAL '10 seconds', ts))
SELECT page, max(n), count(*), sum(ms) FROM per10 GROUP BY page;
