-- Nexmark q9: Winning bids. For each auction, the highest bid made while
-- it was open (earliest first among equal prices): top-1 per key over an
-- interval join.
-- Follows nexmark-flink queries/q9.sql (auction columns with extra, plus
-- bid_extra; RisingWave's e2e q9 drops both extras).
-- Deviations: A.* is spelled out; the comma join is JOIN ... ON; the
-- ranked subquery is a view. Ties on (price, date_time) are broken by
-- arrival order (spate's rule); the twin breaks them by the bid's position
-- in the generated stream, which is its arrival order.
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '200000');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q9_ranked AS
SELECT A.id, A.item_name, A.description, A.initial_bid, A.reserve, A.date_time, A.expires, A.seller,
       A.category, A.extra, B.auction, B.bidder, B.price, B.date_time AS bid_date_time, B.extra AS bid_extra,
       ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC) AS rownum
FROM auction A JOIN bid B ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires;

CREATE MATERIALIZED VIEW nexmark_q9 AS
SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra,
       auction, bidder, price, bid_date_time, bid_extra
FROM q9_ranked
WHERE rownum <= 1;
