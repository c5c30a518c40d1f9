-- Nexmark q10: Log to file system. Every bid with its day and minute (the
-- partition columns of Flink's file sink).
-- Follows nexmark-flink queries/q10.sql (RisingWave's e2e q10 is the
-- same with to_char).
-- Deviation: the rows go to a materialized view, not partitioned files;
-- DATE_FORMAT patterns in MySQL codes.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q10 AS
SELECT auction, bidder, price, date_time, extra,
       date_format(date_time, '%Y-%m-%d') AS dt, date_format(date_time, '%H:%i') AS hm
FROM bid;
