-- view: host_minute
SELECT host,
       time_bucket(INTERVAL '1 minute', ts),
       time_bucket(INTERVAL '1 minute', ts) + INTERVAL 1 MINUTE,
       count(*), max(cpu), min(cpu), avg(mem), sum(mem / 1024), max(ts)
FROM metrics
GROUP BY host, time_bucket(INTERVAL '1 minute', ts);
