-- view: city_hot_minutes
SELECT city, time_bucket(INTERVAL '1 minute', ts), max(celsius)
FROM temps
GROUP BY city, time_bucket(INTERVAL '1 minute', ts)
HAVING max(celsius) > 30;

-- view: city_stats
SELECT city, count(*), avg(celsius) FROM temps GROUP BY city;
