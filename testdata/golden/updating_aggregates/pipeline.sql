-- Updating aggregates (no window): one row per group holding the final
-- state. count(*), count(x) with NULLs and missing fields, count(DISTINCT),
-- sum of INT and DOUBLE, avg, min/max over INT, DOUBLE, VARCHAR and
-- TIMESTAMP; events far out of order (no window, so nothing is late);
-- expressions over aggregates and a constant column in the select list;
-- a second MV grouped by two keys, one of them NULL for some rows.
-- topic: purchases partitions=1
CREATE SOURCE purchases (
  customer VARCHAR, product VARCHAR, qty INT, price DOUBLE, coupon VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'purchases', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW customer_totals AS
SELECT customer,
       count(*) AS orders,
       count(coupon) AS with_coupon,
       count(DISTINCT product) AS products,
       sum(qty) AS units,
       sum(price) AS spent,
       avg(price) AS avg_price,
       min(product) AS first_product,
       max(product) AS last_product,
       min(qty) AS min_qty,
       max(price) AS max_price,
       min(ts) AS first_seen,
       max(ts) AS last_seen,
       sum(price) / count(*) AS spent_per_order,
       max(qty) - min(qty) AS qty_spread,
       CASE WHEN count(*) > 3 THEN 'regular' ELSE 'occasional' END AS segment,
       'v1' AS schema_version
FROM purchases
GROUP BY customer;

CREATE MATERIALIZED VIEW product_coupon AS
SELECT product, coupon, count(*) AS n, sum(qty * price) AS revenue
FROM purchases
GROUP BY product, coupon;
