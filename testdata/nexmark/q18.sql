-- Nexmark q18: Find last bid. Each bidder's last bid on each auction
-- (deduplication: top-1 per key by time, descending).
-- Follows nexmark-flink queries/q18.sql (RisingWave's e2e q18 adds extra
-- to the ORDER BY to make ties deterministic).
-- Deviation: the subquery is a view. Ties (the same bidder bidding twice
-- on an auction in one millisecond, common for hot bidders and auctions)
-- are broken by arrival order, the earlier arrival first (spate's rule);
-- the twin breaks them by the bid's position in the stream.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q18_ranked AS
SELECT auction, bidder, price, channel, url, date_time, extra,
       ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number
FROM bid;

CREATE MATERIALIZED VIEW nexmark_q18 AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM q18_ranked
WHERE rank_number <= 1;
