-- view: sensor_5s
SELECT sensor, time_bucket(INTERVAL '5 seconds', ts), count(*), avg(value), max(value)
FROM sensors
GROUP BY sensor, time_bucket(INTERVAL '5 seconds', ts);

-- view: all_5s
SELECT time_bucket(INTERVAL '5 seconds', ts), time_bucket(INTERVAL '5 seconds', ts) + INTERVAL 5 SECOND,
       count(*), count(DISTINCT sensor)
FROM sensors
GROUP BY time_bucket(INTERVAL '5 seconds', ts);

-- view: sensor_totals
SELECT sensor, count(*), sum(value) FROM sensors GROUP BY sensor;
