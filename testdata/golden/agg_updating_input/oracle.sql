-- view: by_region
SELECT region, avg(m), count(*), count(m), sum(m), sum(sy), avg(sy), sum(c)
FROM (SELECT user_id, region, max(x) AS m, sum(y) AS sy, count(*) AS c FROM src GROUP BY user_id, region) per_user
GROUP BY region;

-- view: few_events
SELECT region, count(*), sum(m)
FROM (SELECT user_id, region, max(x) AS m FROM src GROUP BY user_id, region HAVING count(*) < 3) q
GROUP BY region;

-- view: big_users
SELECT region, count(*), avg(m)
FROM (SELECT user_id, region, max(x) AS m FROM src GROUP BY user_id, region) per_user
WHERE m > 150
GROUP BY region
HAVING count(*) >= 2;

-- view: user_regions
SELECT user_id, count(*), sum(c)
FROM (SELECT user_id, region, count(*) AS c FROM src GROUP BY user_id, region) per_user
GROUP BY user_id;
