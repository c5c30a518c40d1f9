-- Scalar functions of the Nexmark queries (issue #4), written in the
-- text DuckDB runs as well: regexp_extract (q21), strftime and EXTRACT
-- (q10, q15), the 'c' count of q14, numeric rounding and abs.
-- topic: ev partitions=1
CREATE SOURCE ev (
  id BIGINT, url VARCHAR, extra VARCHAR, price BIGINT, x DOUBLE, amount DECIMAL(10,2), ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'ev', format = 'json', event_time = 'ts');

CREATE MATERIALIZED VIEW fns AS
SELECT id,
       regexp_extract(url, '(&|^|[?])channel_id=([^&]*)', 2) AS channel_id,
       regexp_extract(url, 'https?://([a-z.]+)', 1) AS host,
       regexp_extract(url, '[0-9]+') AS first_number,
       strftime(ts, '%Y-%m-%d') AS day_text,
       strftime(ts, '%H:%M') AS minute_text,
       EXTRACT(hour FROM ts) AS h, year(ts) AS y, month(ts) AS mo, day(ts) AS d, second(ts) AS s,
       length(extra) - length(replace(extra, 'c', '')) AS c_count,
       lower(split_part(url, '/', 3)) AS host_part,
       abs(price) AS abs_price, abs(x) AS abs_x, abs(amount) AS abs_amount,
       floor(x) AS floor_x, ceil(x) AS ceil_x, floor(amount) AS floor_amount, ceiling(amount) AS ceil_amount,
       floor(price) AS floor_price,
       round(x) AS round_x, round(x, 2) AS round_x2, round(x, -2) AS round_xm2,
       round(amount) AS round_amount, round(amount, 1) AS round_amount1, round(amount, -1) AS round_amountm1,
       round(price, -3) AS round_price, price DIV 1000 AS price_k, price % 1000 AS price_rem
FROM ev;

CREATE MATERIALIZED VIEW per_day AS
SELECT strftime(ts, '%Y-%m-%d') AS day, count(*) AS n, sum(length(extra) - length(replace(extra, 'c', ''))) AS cs,
       round(avg(x), 3) AS avg_x
FROM ev GROUP BY strftime(ts, '%Y-%m-%d');
