-- SELECT DISTINCT (an updating view: one row per distinct value tuple),
-- with duplicates, NULLs (NULLs are equal for DISTINCT) and a computed
-- column; a single-column DISTINCT over a filtered source.
-- topic: visits partitions=1
CREATE SOURCE visits (
  region VARCHAR, product VARCHAR, qty INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'visits', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW region_products AS
SELECT DISTINCT region, lower(product) AS product
FROM visits
WHERE qty > 0;

CREATE MATERIALIZED VIEW regions AS
SELECT DISTINCT region FROM visits;
