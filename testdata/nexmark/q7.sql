-- Nexmark q7: Highest bid. The bids with the highest price of each
-- 10-second window (a fan-out of the bid stream joined to its own
-- windowed maximum).
-- Follows nexmark-flink queries/q7.sql (with extra; RisingWave's e2e q7
-- leaves it out).
-- Deviations: the subquery is a view; the WHERE time bound is part of the
-- join condition (an interval join), which is the same inner join.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q7_max_price AS
SELECT max(price) AS maxprice, tumble_end(date_time, '10s') AS date_time
FROM bid
GROUP BY tumble(date_time, '10s');

CREATE MATERIALIZED VIEW nexmark_q7 AS
SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
FROM bid B JOIN q7_max_price B1
  ON B.price = B1.maxprice
 AND B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time;
