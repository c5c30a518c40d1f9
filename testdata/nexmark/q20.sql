-- Nexmark q20: Expand bid with auction. Bids of category-10 auctions with
-- the auction's columns (a filtered join).
-- Follows nexmark-flink queries/q20.sql (with both extras; RisingWave's
-- e2e q20 drops them).
-- Deviations: output columns renamed where the two sides clash
-- (bid_date_time, bid_extra, auction_date_time, auction_extra, as in
-- Flink's sink table); no time bound on the join, accepted because both
-- generator sources are bounded (SPEC §3).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q20 AS
SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.date_time AS bid_date_time, B.extra AS bid_extra,
       A.item_name, A.description, A.initial_bid, A.reserve, A.date_time AS auction_date_time, A.expires,
       A.seller, A.category, A.extra AS auction_extra
FROM bid AS B INNER JOIN auction AS A ON B.auction = A.id
WHERE A.category = 10;
