-- spate quick start: the Nexmark auction benchmark's bid stream, generated
-- in-process (deterministic: the same options give the same events).
-- 1,000,000 events at 10,000 events/s of event time = 100 s of auctions.
CREATE SOURCE bid WITH (
  connector = 'nexmark', table = 'bid', events = '1000000', watermark_delay = '2s'
);

-- A plain view is inlined where it is used: the four big channels by name,
-- the long tail as 'other'.
CREATE VIEW bids AS
SELECT CASE WHEN channel LIKE 'channel-%' THEN 'other' ELSE channel END AS channel,
       bidder, price, auction, date_time
FROM bid;

-- Bids per channel in 10-second tumbling windows: each row is written once,
-- when the watermark passes the window's end.
CREATE MATERIALIZED VIEW bids_per_channel AS
SELECT channel,
       tumble_start(date_time, '10s') AS window_start,
       count(*)                       AS bids,
       count(DISTINCT bidder)         AS bidders,
       avg(price)                     AS avg_price,
       max(price)                     AS max_price
FROM bids
GROUP BY channel, tumble(date_time, '10s');

-- An updating view: one row per auction, upserted as bids arrive.
CREATE MATERIALIZED VIEW auction_totals AS
SELECT auction, count(*) AS bids, max(price) AS top_price
FROM bids
WHERE price > 1000
GROUP BY auction;
