-- Nexmark q17: Auction statistics report. Per (auction, day): bids per
-- price rank and min/max/avg/sum of the price.
-- Follows nexmark-flink queries/q17.sql (same as RisingWave's e2e q17).
-- Deviations: FILTER rewritten as in q15; DATE_FORMAT in MySQL codes.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q17 AS
SELECT auction,
       date_format(date_time, '%Y-%m-%d') AS day,
       count(*) AS total_bids,
       count(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
       count(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
       count(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
       min(price) AS min_price,
       max(price) AS max_price,
       avg(price) AS avg_price,
       sum(price) AS sum_price
FROM bid
GROUP BY auction, date_format(date_time, '%Y-%m-%d');
