-- Malformed records go to spate_dead_letters (on_error = 'dead_letter',
-- written out on one source and left to the default on the other) and
-- never reach the views: invalid JSON, truncated JSON, wrong JSON types
-- ("abc" and 3.5 for BIGINT, a number for VARCHAR, "yes" for BOOLEAN, true
-- for TIMESTAMP), an integer too large for BIGINT, a missing, null or
-- unparsable event time, a JSON array, plain text, an empty object.
-- topic: events partitions=2
-- topic: audits partitions=1
CREATE SOURCE events (
  id BIGINT, name VARCHAR, price BIGINT, active BOOLEAN, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'events', format = 'json',
        event_time = 'ts', watermark_delay = '2s', on_error = 'dead_letter');

CREATE SOURCE audits (
  actor VARCHAR, what TEXT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'audits', event_time = 'ts');

CREATE MATERIALIZED VIEW name_totals AS
SELECT name, count(*) AS n, sum(price) AS total, count(active) AS flagged
FROM events
GROUP BY name;

CREATE MATERIALIZED VIEW events_10s AS
SELECT tumble_start(ts, '10s') AS w, count(*) AS n, max(price) AS top
FROM events
GROUP BY tumble(ts, '10s');

CREATE MATERIALIZED VIEW audit_log AS
SELECT actor, what, ts FROM audits;
