-- Top-N per key: ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) bounded
-- by rn <= N. Bids arrive out of order on two Kafka partitions; prices are
-- unique (no ties), with at most one NULL price per auction (NULLs sort
-- last, DESC and ASC, as in DuckDB); channel, a partition key, is NULL for
-- some bids. Views: the Nexmark q19 shape (SELECT *), an ascending top-2
-- per channel over a filtered input with rn moved first, a global top-5
-- (no PARTITION BY) and a top-4 filtered on price afterwards (rows that
-- fail the filter are deleted from the table), and a top-2 of some auctions
-- (that condition filters the input) with NULL bidders left out.
-- topic: bids partitions=2
CREATE SOURCE bids (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, note VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'bids', format = 'json', event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW top_bids AS
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE rank_number <= 3;

CREATE MATERIALIZED VIEW cheapest_per_channel AS
SELECT rn, channel, price, auction FROM (
  SELECT channel, price, auction, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY price) AS rn
  FROM bids WHERE auction <> 1003
) t WHERE rn < 3;

CREATE MATERIALIZED VIEW global_top AS
SELECT * FROM (SELECT auction, price, ROW_NUMBER() OVER (ORDER BY price DESC) AS r FROM bids) t
WHERE r <= 5;

CREATE MATERIALIZED VIEW expensive_top AS
SELECT auction, rank_number, price, bidder FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE rank_number <= 4 AND price >= 2000;

-- Conditions beside the bound: the one on the partition column filters
-- the input, the other the ranked rows.
CREATE MATERIALIZED VIEW some_auctions AS
SELECT auction, bidder, price, rank_number FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE auction IN (1001, 1002, 1007, 1011) AND rank_number <= 2 AND bidder IS NOT NULL;
