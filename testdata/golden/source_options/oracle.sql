-- view: plan_30s
SELECT plan, time_bucket(INTERVAL '30 seconds', ts), time_bucket(INTERVAL '30 seconds', ts) + INTERVAL 30 SECOND,
       count(*), sum(seats)
FROM signups
GROUP BY plan, time_bucket(INTERVAL '30 seconds', ts);
