-- Plain filter/project (append) view: arithmetic + - * / % MOD and unary
-- minus over BIGINT, INT and DOUBLE, comparisons, AND/OR/NOT precedence,
-- NULL propagation, DOUBLE division by zero (DuckDB: +Inf), % on DOUBLE
-- (fmod) and integer % by zero (NULL).
-- topic: orders partitions=1
CREATE SOURCE orders (
  order_id BIGINT, customer VARCHAR, amount DOUBLE, qty INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'orders', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW order_math AS
SELECT order_id,
       customer,
       amount * qty AS total,
       amount + 1.5 AS plus,
       amount - qty AS minus,
       qty / 2 AS half,
       amount / qty AS unit,
       order_id % 3 AS m3,
       MOD(qty, 4) AS m4,
       -qty AS neg,
       qty * 2 + order_id * 10 - 1 AS mixed,
       amount >= 20 AS big,
       amount % 4 AS amod,
       order_id % (qty - qty) AS mod_zero
FROM orders
WHERE (amount > 10 AND qty >= 1) OR customer = 'zoe' AND NOT qty = 3;
