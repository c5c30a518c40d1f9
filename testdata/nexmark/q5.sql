-- Nexmark q5: Hot items. Which auctions have the most bids in each
-- 10-second window, every 2 seconds?
-- Follows nexmark-flink queries/q5.sql (HOP 2 s / 10 s; the per-auction
-- counts grouped again by their window, joined back to them).
-- Deviations: the two subqueries are views. Flink groups the counts by
-- their window bounds, which it recognizes as a cascaded window
-- aggregate; spate says so explicitly, with a tumbling window of the slide
-- (2 s) over the hop window's start (every hop start is its own tumble), so
-- that the maximum is final and append-only when its window closes. The
-- join is on the window start, as in RisingWave's e2e q5 (with a fixed
-- size, equal starts mean equal ends).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q5_auction_bids AS
SELECT auction, count(*) AS num,
       hop_start(date_time, '2s', '10s') AS starttime, hop_end(date_time, '2s', '10s') AS endtime
FROM bid
GROUP BY auction, hop(date_time, '2s', '10s');

CREATE VIEW q5_max_bids AS
SELECT max(num) AS maxn, tumble_start(starttime, '2s') AS starttime
FROM q5_auction_bids
GROUP BY tumble(starttime, '2s');

CREATE MATERIALIZED VIEW nexmark_q5 AS
SELECT AB.auction, AB.num
FROM q5_auction_bids AB JOIN q5_max_bids MB
  ON AB.starttime = MB.starttime AND AB.num >= MB.maxn;
