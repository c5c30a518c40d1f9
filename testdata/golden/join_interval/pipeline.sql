-- Interval join of orders (two partitions, out of order within the 1 s
-- delay) with payments (one partition, out of order within the 2 s delay,
-- and late payments, tagged, which the join drops: its order rows may
-- already be pruned). A payment counts when it comes within 30 s after
-- its order; some come before it or too late, some orders get two, one
-- has a NULL order id. The join's output time is the payment's (its
-- watermark needs no hold: p.ts >= o.ts); a one-minute window over the
-- joined rows must see none of them as late.
-- topic: orders partitions=2
-- topic: payments partitions=1
CREATE SOURCE orders (id BIGINT, customer VARCHAR, amount BIGINT, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'orders', format = 'json', event_time = 'ts', watermark_delay = '1s');
CREATE SOURCE payments (order_id BIGINT, paid DOUBLE, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'payments', format = 'json', event_time = 'ts', watermark_delay = '2s');

CREATE VIEW paid AS
SELECT o.id, o.customer, o.amount, p.paid, p.ts AS paid_at
FROM orders o JOIN payments p
  ON o.id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL 30 SECOND;

CREATE MATERIALIZED VIEW paid_orders AS SELECT * FROM paid;

CREATE MATERIALIZED VIEW paid_per_minute AS
SELECT customer, tumble_start(paid_at, '1m') AS m, count(*) AS n, sum(paid) AS total
FROM paid
GROUP BY customer, tumble(paid_at, '1m');
