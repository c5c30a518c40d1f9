-- DECIMAL(p,s) columns: sum (DECIMAL(38,s)), avg (DOUBLE), min/max,
-- decimal arithmetic and comparison with literals, in a 1-minute tumbling
-- window and in an updating aggregate; amounts whose double sum would not
-- be exact (0.10 + 0.20).
-- topic: payments partitions=1
CREATE SOURCE payments (
  account VARCHAR, amount DECIMAL(12,2), fee DECIMAL(6,3), ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'payments', format = 'json',
        event_time = 'ts', watermark_delay = '10 seconds');

CREATE MATERIALIZED VIEW payments_minute AS
SELECT account,
       tumble_start(ts, '1m') AS minute,
       sum(amount) AS total,
       avg(amount) AS avg_amount,
       min(amount) AS smallest,
       max(amount) AS largest,
       sum(fee) AS fees,
       count(*) AS n
FROM payments
GROUP BY account, tumble(ts, '1m');

CREATE MATERIALIZED VIEW account_net AS
SELECT account,
       sum(amount - fee) AS net,
       sum(amount * 2) AS doubled,
       max(fee) AS max_fee
FROM payments
WHERE amount > 0.15
GROUP BY account;
