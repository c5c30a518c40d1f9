-- Nexmark q12: Bids per bidder per 10-second tumbling window.
-- Follows nexmark-flink queries/q12.sql, which windows on processing time
-- (PROCTIME()). Deviation: spate windows on event time here, because a
-- processing-time result depends on how fast the machine runs and could
-- not be compared with any oracle; the work (a keyed tumbling count) is
-- the same.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q12 AS
SELECT bidder, count(*) AS bid_count,
       tumble_start(date_time, '10s') AS starttime, tumble_end(date_time, '10s') AS endtime
FROM bid
GROUP BY bidder, tumble(date_time, '10s');
