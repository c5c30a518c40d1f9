-- view: station_10s
SELECT station, time_bucket(INTERVAL '10 seconds', ts), count(*), count(temp), count(DISTINCT note),
       sum(temp), avg(temp), min(wind), max(note), sum(COALESCE(wind, 0)),
       sum(CASE WHEN temp IS NULL THEN 1 ELSE 0 END)
FROM obs
GROUP BY station, time_bucket(INTERVAL '10 seconds', ts);
