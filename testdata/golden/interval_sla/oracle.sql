-- view: sla_orders
SELECT order_id, ordered + INTERVAL 30 MINUTE,
       CASE WHEN delivered IS NULL THEN 'open'
            WHEN delivered <= ordered + INTERVAL 30 MINUTE THEN 'on_time'
            WHEN delivered <= ordered + INTERVAL 30 MINUTE + INTERVAL 90 SECOND THEN 'grace'
            ELSE 'late' END,
       delivered - INTERVAL 1 MINUTE < ordered + INTERVAL 30 MINUTE
FROM deliveries;

-- view: courier_status
WITH sla AS (
  SELECT courier, ordered + INTERVAL 30 MINUTE AS due,
         CASE WHEN delivered IS NULL THEN 'open'
              WHEN delivered <= ordered + INTERVAL 30 MINUTE THEN 'on_time'
              WHEN delivered <= ordered + INTERVAL 30 MINUTE + INTERVAL 90 SECOND THEN 'grace'
              ELSE 'late' END AS status
  FROM deliveries)
SELECT courier, status, count(*), max(due) FROM sla GROUP BY courier, status;

-- view: hourly_status
WITH sla AS (
  SELECT ordered,
         CASE WHEN delivered IS NULL THEN 'open'
              WHEN delivered <= ordered + INTERVAL 30 MINUTE THEN 'on_time'
              WHEN delivered <= ordered + INTERVAL 30 MINUTE + INTERVAL 90 SECOND THEN 'grace'
              ELSE 'late' END AS status
  FROM deliveries)
SELECT time_bucket(INTERVAL '1 hour', ordered), hour(ordered), status, count(*)
FROM sla
GROUP BY time_bucket(INTERVAL '1 hour', ordered), hour(ordered), status;
