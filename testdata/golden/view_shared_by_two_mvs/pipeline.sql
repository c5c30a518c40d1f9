-- One view read by two materialized views: a 30 s tumbling aggregate and
-- an updating aggregate; the view itself projects computed columns (CASE,
-- arithmetic) that both use.
-- topic: rides partitions=1
CREATE SOURCE rides (
  driver VARCHAR, city VARCHAR, km DOUBLE, fare_cents BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'rides', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE VIEW priced AS
SELECT driver, city, km,
       fare_cents / 100 AS fare,
       CASE WHEN km >= 10 THEN 'long' ELSE 'short' END AS kind,
       ts
FROM rides
WHERE km > 0;

CREATE MATERIALIZED VIEW city_30s AS
SELECT city, tumble_start(ts, '30s') AS w, kind, count(*) AS rides, sum(fare) AS revenue
FROM priced
GROUP BY city, kind, tumble(ts, '30s');

CREATE MATERIALIZED VIEW driver_totals AS
SELECT driver, count(*) AS rides, sum(km) AS km, max(fare) AS best_fare, min(kind) AS kinds_min
FROM priced
GROUP BY driver;
