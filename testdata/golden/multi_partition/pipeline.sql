-- Four partitions (records keyed by sensor, one sensor per partition
-- except p3 which holds two); each partition is in event-time order within
-- the 500ms delay, but partitions are far apart from each other in the
-- file, so the source watermark must be the minimum over partitions for
-- nothing to be dropped. 5 s tumbling windows and an updating aggregate.
-- topic: sensors partitions=4
CREATE SOURCE sensors (
  sensor VARCHAR, value DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'sensors', format = 'json',
        event_time = 'ts', watermark_delay = '500ms');

CREATE MATERIALIZED VIEW sensor_5s AS
SELECT sensor, tumble_start(ts, '5s') AS w, count(*) AS n, avg(value) AS mean, max(value) AS peak
FROM sensors
GROUP BY sensor, tumble(ts, '5s');

CREATE MATERIALIZED VIEW all_5s AS
SELECT tumble_start(ts, '5s') AS w, tumble_end(ts, '5s') AS w_end, count(*) AS n,
       count(DISTINCT sensor) AS sensors
FROM sensors
GROUP BY tumble(ts, '5s');

CREATE MATERIALIZED VIEW sensor_totals AS
SELECT sensor, count(*) AS n, sum(value) AS total
FROM sensors
GROUP BY sensor;
