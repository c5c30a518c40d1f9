-- CAST to BIGINT, INT, DOUBLE, DECIMAL, VARCHAR; INT, TEXT, DECIMAL(p,s),
-- DOUBLE and BOOLEAN columns; a bare BOOLEAN column as a predicate.
-- Double -> integer casts avoid .5 ties (DuckDB rounds doubles half to
-- even but decimals half away from zero).
-- topic: items partitions=1
CREATE SOURCE items (
  id INT, code TEXT, price DECIMAL(10,2), weight DOUBLE, active BOOLEAN,
  qty_text VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'items', format = 'json',
        event_time = 'ts', watermark_delay = '1 minute');

CREATE MATERIALIZED VIEW item_casts AS
SELECT id,
       CAST(id AS BIGINT) * 1000000000 AS big,
       CAST(price AS DOUBLE) / 4 AS quarter,
       CAST(price AS BIGINT) AS price_int,
       price * 2 AS double_price,
       CAST(weight AS BIGINT) AS wround,
       CAST(weight AS INT) + 1 AS wround1,
       CAST(weight AS DECIMAL(10,1)) AS wdec,
       CAST(qty_text AS INT) + 1 AS qty1,
       CAST(qty_text AS DOUBLE) * 2 AS qty2,
       concat(CAST(id AS VARCHAR), '-', code) AS label,
       CAST(ts AS VARCHAR) AS ts_text,
       CAST(active AS INT) AS active_int,
       CAST(weight AS VARCHAR) AS weight_text,
       CAST(active AS VARCHAR) AS active_text
FROM items
WHERE active OR id > 5;
