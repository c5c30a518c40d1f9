-- view: auction_100ms
SELECT auction, time_bucket(INTERVAL '100 milliseconds', date_time), count(*), max(price), min(price), avg(price)
FROM bid
GROUP BY auction, time_bucket(INTERVAL '100 milliseconds', date_time);

-- view: hot_hops
WITH w AS (
  SELECT *, unnest(generate_series(epoch_ms(date_time) // 50 * 50 - 150, epoch_ms(date_time) // 50 * 50, 50)) AS ws
  FROM bid)
SELECT epoch_ms(ws), epoch_ms(ws + 200), count(*), count(DISTINCT auction), sum(price)
FROM w
WHERE ws > epoch_ms(date_time) - 200
GROUP BY ws;
