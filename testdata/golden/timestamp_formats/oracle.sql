-- view: stamp_list
SELECT id, label, ts FROM stamps;

-- view: stamps_hourly
SELECT time_bucket(INTERVAL '1 hour', ts), count(*), min(ts), max(ts), min(id)
FROM stamps
GROUP BY time_bucket(INTERVAL '1 hour', ts);
