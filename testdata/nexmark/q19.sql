-- Nexmark q19: Auction top-10 price. The 10 highest bids of each auction,
-- with their rank.
-- Follows nexmark-flink queries/q19.sql (same as RisingWave's e2e q19).
-- Deviations: SELECT * is spelled out; the subquery is a view. Equal
-- prices are ranked by arrival order, the earlier arrival first (spate's
-- rule); the twin ranks them by the bid's position in the stream.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q19_ranked AS
SELECT auction, bidder, price, channel, url, date_time, extra,
       ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
FROM bid;

CREATE MATERIALIZED VIEW nexmark_q19 AS
SELECT auction, bidder, price, channel, url, date_time, extra, rank_number
FROM q19_ranked
WHERE rank_number <= 10;
