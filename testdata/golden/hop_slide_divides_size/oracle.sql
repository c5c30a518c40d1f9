-- view: item_hop
WITH w AS (
  SELECT *, unnest(generate_series(epoch_ms(ts) // 5000 * 5000 - 5000, epoch_ms(ts) // 5000 * 5000, 5000)) AS ws
  FROM bids)
SELECT item, epoch_ms(ws), epoch_ms(ws + 10000),
       count(*), count(DISTINCT bidder), sum(price), max(price), avg(price)
FROM w
WHERE ws > epoch_ms(ts) - 10000
GROUP BY item, ws;
