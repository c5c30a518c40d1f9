-- SELECT DISTINCT, a derived table with an alias, qualified columns and
-- t.*, GROUP BY position and alias.
CREATE SOURCE events (k VARCHAR, v BIGINT, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'events', event_time = 'ts');

CREATE MATERIALIZED VIEW keys AS SELECT DISTINCT k FROM events;

CREATE MATERIALIZED VIEW doubled AS
  SELECT e.*, e.v * 2 AS v2 FROM (SELECT k, v, ts FROM events WHERE v IS NOT NULL) AS e;

CREATE MATERIALIZED VIEW by_upper AS
  SELECT upper(k) AS uk, tumble_end(ts, '5m') AS window_close, sum(v) AS s
  FROM events GROUP BY 1, tumble(ts, '5m');

CREATE MATERIALIZED VIEW by_alias AS
  SELECT upper(k) AS uk, count(*) AS n FROM events GROUP BY uk;
