-- Nexmark q0: Pass-through. Measures the cost of reading and writing every bid.
-- Follows nexmark/nexmark nexmark-flink queries/q0.sql (auction, bidder,
-- price, dateTime, extra; RisingWave's e2e q0 drops extra).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q0 AS
SELECT auction, bidder, price, date_time, extra FROM bid;
