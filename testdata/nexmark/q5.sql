-- Nexmark q5: Hot items. Which auctions have the most bids in each
-- 10-second window, every 2 seconds?
-- Follows nexmark-flink queries/q5.sql (HOP 2 s / 10 s, join on both
-- window bounds; RisingWave's e2e q5 joins on window_start only).
-- Deviation: the two subqueries are views.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q5_auction_bids AS
SELECT auction, count(*) AS num,
       hop_start(date_time, '2s', '10s') AS starttime, hop_end(date_time, '2s', '10s') AS endtime
FROM bid
GROUP BY auction, hop(date_time, '2s', '10s');

CREATE VIEW q5_max_bids AS
SELECT max(num) AS maxn, starttime, endtime
FROM q5_auction_bids
GROUP BY starttime, endtime;

CREATE MATERIALIZED VIEW nexmark_q5 AS
SELECT AB.auction, AB.num
FROM q5_auction_bids AB JOIN q5_max_bids MB
  ON AB.starttime = MB.starttime AND AB.endtime = MB.endtime AND AB.num >= MB.maxn;
