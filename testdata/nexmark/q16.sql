-- Nexmark q16: Channel statistics report. q15 per (channel, day), with the
-- latest minute seen.
-- Follows nexmark-flink queries/q16.sql (same as RisingWave's e2e q16).
-- Deviations: FILTER rewritten as in q15; DATE_FORMAT in MySQL codes.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q16 AS
SELECT channel,
       date_format(date_time, '%Y-%m-%d') AS day,
       max(date_format(date_time, '%H:%i')) AS minute,
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
GROUP BY channel, date_format(date_time, '%Y-%m-%d');
