-- UNION ALL coerces each column to a common type; UNION adds DISTINCT.
-- golden: dot
CREATE SOURCE a (id INT, v DOUBLE, ts TIMESTAMP) WITH (connector = 'kafka', topic = 'a', event_time = 'ts');
CREATE SOURCE b (id BIGINT, v DECIMAL(10,2), ts TIMESTAMP) WITH (connector = 'kafka', topic = 'b', event_time = 'ts');

CREATE MATERIALIZED VIEW both_streams AS
  SELECT id, v, ts FROM a WHERE v > 0
  UNION ALL
  SELECT id, v, ts FROM b;

CREATE MATERIALIZED VIEW ids AS
  SELECT id FROM a UNION SELECT id FROM b;
