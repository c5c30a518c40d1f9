-- Nexmark q22: Get URL directories. The first three path segments of each
-- bid's URL.
-- Follows RisingWave's e2e_test/streaming/nexmark/views/q22.slt.part
-- (split_part, 1-based), which is nexmark-flink's q22 with SPLIT_INDEX
-- (0-based) indices 3, 4, 5.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q22 AS
SELECT auction, bidder, price, channel,
       split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2, split_part(url, '/', 6) AS dir3
FROM bid;
