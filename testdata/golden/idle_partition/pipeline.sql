-- A three-partition topic whose partition 2 never receives an event: the
-- idle partition must not hold the watermark (and so the windows) back
-- forever; at the end of input every window is flushed. 2 s tumbling
-- windows with window_start()/window_end() and a HAVING on the window.
-- topic: orders partitions=3
CREATE SOURCE orders (
  shop VARCHAR, total DOUBLE, items INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'orders', format = 'json',
        event_time = 'ts', watermark_delay = '1s');

CREATE MATERIALIZED VIEW shop_2s AS
SELECT shop, window_start() AS ws, window_end() AS we, count(*) AS n, sum(total) AS revenue,
       sum(items) AS items
FROM orders
GROUP BY shop, tumble(ts, '2s');

CREATE MATERIALIZED VIEW busy_windows AS
SELECT tumble_start(ts, '2s') AS ws, count(*) AS n
FROM orders
GROUP BY tumble(ts, '2s')
HAVING count(*) >= 2;
