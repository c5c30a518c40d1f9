-- Nexmark q1: Currency conversion. Each bid's price in euros.
-- Follows nexmark-flink queries/q1.sql (0.908 * price; RisingWave's e2e q1
-- is the same without extra).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q1 AS
SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid;
