-- INTERVAL arithmetic against a second TIMESTAMP column (not the event
-- time): deadlines with INTERVAL '30' MINUTE and INTERVAL 90 SECOND,
-- comparisons between timestamps, CASE over them, then an updating
-- aggregate over the computed flag and a windowed one keyed by hour().
-- topic: deliveries partitions=1
CREATE SOURCE deliveries (
  order_id BIGINT, courier VARCHAR, ordered TIMESTAMP, delivered TIMESTAMP
) WITH (connector = 'kafka', topic = 'deliveries', format = 'json',
        event_time = 'ordered', watermark_delay = '1h');

CREATE VIEW sla AS
SELECT order_id, courier, ordered, delivered,
       ordered + INTERVAL '30' MINUTE AS due,
       CASE WHEN delivered IS NULL THEN 'open'
            WHEN delivered <= ordered + INTERVAL '30' MINUTE THEN 'on_time'
            WHEN delivered <= ordered + INTERVAL '30' MINUTE + INTERVAL 90 SECOND THEN 'grace'
            ELSE 'late' END AS status
FROM deliveries;

CREATE MATERIALIZED VIEW sla_orders AS
SELECT order_id, due, status, delivered - INTERVAL 1 MINUTE < due AS minute_margin FROM sla;

CREATE MATERIALIZED VIEW courier_status AS
SELECT courier, status, count(*) AS n, max(due) AS last_due
FROM sla
GROUP BY courier, status;

CREATE MATERIALIZED VIEW hourly_status AS
SELECT tumble_start(ordered, '1h') AS hour_start, hour(ordered) AS h, status, count(*) AS n
FROM sla
GROUP BY tumble(ordered, '1h'), hour(ordered), status;
