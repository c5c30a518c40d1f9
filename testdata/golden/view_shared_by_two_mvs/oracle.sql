-- view: city_30s
WITH priced AS (
  SELECT driver, city, km, fare_cents / 100 AS fare,
         CASE WHEN km >= 10 THEN 'long' ELSE 'short' END AS kind, ts
  FROM rides WHERE km > 0)
SELECT city, time_bucket(INTERVAL '30 seconds', ts), kind, count(*), sum(fare)
FROM priced
GROUP BY city, kind, time_bucket(INTERVAL '30 seconds', ts);

-- view: driver_totals
WITH priced AS (
  SELECT driver, city, km, fare_cents / 100 AS fare,
         CASE WHEN km >= 10 THEN 'long' ELSE 'short' END AS kind, ts
  FROM rides WHERE km > 0)
SELECT driver, count(*), sum(km), max(fare), min(kind)
FROM priced
GROUP BY driver;
