-- HAVING on updating aggregates: a group appears once it satisfies HAVING
-- (count grows past 3), never appears if it never does, and disappears
-- when it stops satisfying it (max(amount) < 100 turns false when a big
-- amount arrives; the final table must not hold it). HAVING may use an
-- aggregate that is not in the select list. Account z's events are
-- more than the watermark delay behind: each makes the source emit a
-- watermark first, so the aggregates emit intermediate states (b and a
-- pass small_spenders before a later event removes them).
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
