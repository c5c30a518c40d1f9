-- view: paid_orders
SELECT o.id, o.customer, o.amount, p.paid, p.ts
FROM orders o JOIN payments p
  ON o.id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL 30 SECOND;

-- view: paid_per_minute
SELECT o.customer, time_bucket(INTERVAL '1 minute', p.ts), count(*), sum(p.paid)
FROM orders o JOIN payments p
  ON o.id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL 30 SECOND
GROUP BY o.customer, time_bucket(INTERVAL '1 minute', p.ts);
