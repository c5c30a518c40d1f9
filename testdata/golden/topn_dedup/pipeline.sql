-- Deduplication and top-N over strings: the Nexmark q18 shape (the latest
-- bid per (bidder, auction), rn not selected, so the table is keyed by
-- the partition alone), with bidder NULL for some bids (one partition, as
-- in GROUP BY) and bids out of order on two Kafka partitions (event times
-- are unique, so there are no ties); and a top-2 per (bidder, channel) by
-- a string, descending with NULL and missing notes last, ties broken by
-- time.
-- topic: bids partitions=2
CREATE SOURCE bids (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, note VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'bids', format = 'json', event_time = 'ts', watermark_delay = '5s');

CREATE MATERIALIZED VIEW latest_bid AS
SELECT auction, bidder, price, channel, ts
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY ts DESC) AS rank_number FROM bids) t
WHERE rank_number <= 1;

CREATE MATERIALIZED VIEW first_bid AS
SELECT auction, price, ts, rn FROM (
  SELECT auction, price, ts, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY ts) AS rn FROM bids
) t WHERE rn = 1;

CREATE MATERIALIZED VIEW notes_top AS
SELECT bidder, channel, note, ts, rn FROM (
  SELECT bidder, channel, note, ts, ROW_NUMBER() OVER (PARTITION BY bidder, channel ORDER BY note DESC, ts) AS rn
  FROM bids
) t WHERE rn <= 2;

-- A plain view that numbers rows, read with a bound (planned as a top-N).
CREATE VIEW ranked_by_price AS
SELECT auction, bidder, price, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY price DESC) AS pos FROM bids;

CREATE MATERIALIZED VIEW best_per_bidder AS
SELECT bidder, pos, auction, price FROM ranked_by_price WHERE pos <= 2;
