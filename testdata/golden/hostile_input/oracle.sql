-- view: per_name
SELECT name, count(*), sum(amount), min(id) FROM raw GROUP BY name;

-- view: per_minute
SELECT time_bucket(INTERVAL '1 minute', ts), count(*), max(id)
FROM raw
GROUP BY time_bucket(INTERVAL '1 minute', ts);
