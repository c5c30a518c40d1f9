-- approx_count_distinct (HyperLogLog, precision 14) in updating and
-- windowed aggregates, with NULLs. On these small sets (up to a few
-- hundred values per group) the sketch's sparse mode is exact, so the
-- oracle is DuckDB's exact count(DISTINCT). Accuracy on large sets is
-- tested in exec (TestApproxCountDistinctAccuracy).
-- topic: bids partitions=1
CREATE SOURCE bids (
  auction BIGINT, bidder VARCHAR, price DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'bids', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW bidders_per_auction AS
SELECT auction, approx_count_distinct(bidder) AS bidders, approx_count_distinct(price) AS prices, count(*) AS n
FROM bids GROUP BY auction;

CREATE MATERIALIZED VIEW bidders_per_minute AS
SELECT tumble_start(ts, '1m') AS minute, approx_count_distinct(bidder) AS bidders,
       approx_count_distinct(auction) AS auctions
FROM bids GROUP BY tumble(ts, '1m');

CREATE MATERIALIZED VIEW all_bidders AS
SELECT approx_count_distinct(bidder) AS bidders, approx_count_distinct(lower(bidder) || '-' || auction) AS pairs FROM bids;
