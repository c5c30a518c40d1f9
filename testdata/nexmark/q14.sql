-- Nexmark q14: Calculation. Bids priced between 1M and 50M euro-cents,
-- with the time of day they were made and the number of 'c' in extra.
-- Follows nexmark-flink queries/q14.sql (RisingWave's e2e q14 is the same
-- with a JavaScript UDF).
-- Deviation: the count_char(extra, 'c') UDF is written with built-ins:
-- length(extra) - length(replace(extra, 'c', '')).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q14 AS
SELECT auction, bidder, 0.908 * price AS price,
       CASE WHEN hour(date_time) >= 8 AND hour(date_time) <= 18 THEN 'dayTime'
            WHEN hour(date_time) <= 6 OR hour(date_time) >= 20 THEN 'nightTime'
            ELSE 'otherTime' END AS bid_time_type,
       date_time, extra,
       length(extra) - length(replace(extra, 'c', '')) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
