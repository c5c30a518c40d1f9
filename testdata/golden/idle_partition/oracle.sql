-- view: shop_2s
SELECT shop, time_bucket(INTERVAL '2 seconds', ts), time_bucket(INTERVAL '2 seconds', ts) + INTERVAL 2 SECOND,
       count(*), sum(total), sum(items)
FROM orders
GROUP BY shop, time_bucket(INTERVAL '2 seconds', ts);

-- view: busy_windows
SELECT time_bucket(INTERVAL '2 seconds', ts), count(*)
FROM orders
GROUP BY time_bucket(INTERVAL '2 seconds', ts)
HAVING count(*) >= 2;
