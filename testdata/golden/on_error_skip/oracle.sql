-- view: device_batt
SELECT device, count(*), min(battery), max(ts) FROM beats GROUP BY device;

-- view: beats_1m
SELECT time_bucket(INTERVAL '1 minute', ts), count(*), avg(battery)
FROM beats
GROUP BY time_bucket(INTERVAL '1 minute', ts);
