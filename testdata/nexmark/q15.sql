-- Nexmark q15: Bidding statistics report. Per day: bids, bidders and
-- auctions, in all and per price rank.
-- Follows nexmark-flink queries/q15.sql (same as RisingWave's e2e q15).
-- Deviations: count(*) FILTER (WHERE c) is count(CASE WHEN c THEN 1 END)
-- and count(DISTINCT x) FILTER (WHERE c) is
-- count(DISTINCT CASE WHEN c THEN x END) (the same values: count skips
-- NULLs); DATE_FORMAT in MySQL codes.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q15 AS
SELECT date_format(date_time, '%Y-%m-%d') AS day,
       count(*) AS total_bids,
       count(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
       count(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
       count(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
       count(DISTINCT bidder) AS total_bidders,
       count(DISTINCT CASE WHEN price < 10000 THEN bidder END) AS rank1_bidders,
       count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN bidder END) AS rank2_bidders,
       count(DISTINCT CASE WHEN price >= 1000000 THEN bidder END) AS rank3_bidders,
       count(DISTINCT auction) AS total_auctions,
       count(DISTINCT CASE WHEN price < 10000 THEN auction END) AS rank1_auctions,
       count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN auction END) AS rank2_auctions,
       count(DISTINCT CASE WHEN price >= 1000000 THEN auction END) AS rank3_auctions
FROM bid
GROUP BY date_format(date_time, '%Y-%m-%d');
