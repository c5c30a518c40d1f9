-- Hostile records among good ones on two partitions (SPEC §4: a record
-- that cannot be decoded is a dead letter; the pipeline keeps running).
-- Bad: numbers out of range (1e400 in a DOUBLE, 2^66 in a BIGINT), NaN as
-- a literal and as text, invalid UTF-8 (rejected, not repaired: DuckDB's
-- VARCHAR needs valid UTF-8), 100k levels of nesting, truncated JSON,
-- timestamps after year 9999 (text and epoch ms), int64's minimum as
-- epoch ms. Good: times before 1970 (1900, -1000 ms), a 200 kB string,
-- unknown fields, -0, and a valid event in year 9999 at the very end
-- (the watermark jumps 8000 years and every window closes at once).
-- topic: raw partitions=2
CREATE SOURCE raw (
  id BIGINT, name VARCHAR, amount DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'raw', format = 'json',
        event_time = 'ts', watermark_delay = '1s', on_error = 'dead_letter');

CREATE MATERIALIZED VIEW per_name AS
SELECT name, count(*) AS n, sum(amount) AS total, min(id) AS first_id
FROM raw GROUP BY name;

CREATE MATERIALIZED VIEW per_minute AS
SELECT tumble_start(ts, '1m') AS minute, count(*) AS n, max(id) AS last_id
FROM raw GROUP BY tumble(ts, '1m');
