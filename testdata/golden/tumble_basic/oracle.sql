-- view: page_10s
SELECT page,
       time_bucket(INTERVAL '10 seconds', ts),
       time_bucket(INTERVAL '10 seconds', ts) + INTERVAL 10 SECOND,
       count(*), count(score), sum(dwell_ms), avg(score),
       min(ts), max(ts), min(user_id), max(user_id)
FROM clicks
GROUP BY page, time_bucket(INTERVAL '10 seconds', ts);

-- view: all_10s
SELECT time_bucket(INTERVAL '10 seconds', ts),
       count(DISTINCT user_id), count(DISTINCT page), sum(score), max(dwell_ms)
FROM clicks
GROUP BY time_bucket(INTERVAL '10 seconds', ts);
