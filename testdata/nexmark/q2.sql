-- Nexmark q2: Selection. Bids of every 123rd auction.
-- Follows nexmark-flink queries/q2.sql (MOD(auction, 123) = 0 instead of
-- the original's five fixed ids, which RisingWave's e2e q2 keeps).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q2 AS
SELECT auction, price FROM bid WHERE mod(auction, 123) = 0;
