-- JSON shapes the decoder must accept: string escapes (\" \\ \t \u00e9 and
-- a surrogate pair), exponents (1e3, -2.5E-1, 1E2 and 3.0 for BIGINT), -0,
-- fields in any order, extra whitespace, unknown fields holding nested
-- objects, arrays and strings (skipped).
-- topic: shapes partitions=1
CREATE SOURCE shapes (
  id BIGINT, name VARCHAR, score DOUBLE, n BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'shapes', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW shape_rows AS
SELECT id, name, upper(name) AS uname, length(name) AS len, score, n, n + 1 AS n1
FROM shapes;
