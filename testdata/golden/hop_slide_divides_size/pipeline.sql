-- Hopping windows hop(ts, slide '5s', size '10s') with hop_start/hop_end:
-- each event falls in two windows; count, count(DISTINCT), sum, max, avg;
-- a gap leaves windows empty (no rows). The lamp bid at 12.5 s arrives
-- behind the watermark (13 s) but both its windows are open.
-- topic: bids partitions=1
CREATE SOURCE bids (
  item VARCHAR, bidder VARCHAR, price BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'bids', format = 'json',
        event_time = 'ts', watermark_delay = '1s');

CREATE MATERIALIZED VIEW item_hop AS
SELECT item,
       hop_start(ts, '5s', '10s') AS hs,
       hop_end(ts, '5s', '10s') AS he,
       count(*) AS n,
       count(DISTINCT bidder) AS bidders,
       sum(price) AS total,
       max(price) AS top,
       avg(price) AS avg_price
FROM bids
GROUP BY item, hop(ts, '5s', '10s');
