-- HAVING on updating aggregates: a group appears once it satisfies HAVING
-- (count grows past 3), never appears if it never does, and disappears
-- when it stops satisfying it (max(amount) < 100 turns false when a big
-- amount arrives; the final table must not hold it). HAVING may use an
-- aggregate that is not in the select list. A global aggregate (no GROUP
-- BY) is a single updating row.
-- topic: txns partitions=1
CREATE SOURCE txns (
  account VARCHAR, amount BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'txns', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW busy_accounts AS
SELECT account, count(*) AS n, sum(amount) AS total
FROM txns
GROUP BY account
HAVING count(*) >= 3;

CREATE MATERIALIZED VIEW small_spenders AS
SELECT account, sum(amount) AS total
FROM txns
GROUP BY account
HAVING max(amount) < 100 AND sum(amount) > 10;

CREATE MATERIALIZED VIEW grand_total AS
SELECT count(*) AS n, sum(amount) AS total, count(DISTINCT account) AS accounts
FROM txns;
