-- A view over a view over a source (filter, then projection with string
-- functions), aggregated in an updating MV grouped by an expression of
-- view columns, and listed as-is in an append MV.
-- topic: logs partitions=1
CREATE SOURCE logs (
  level VARCHAR, service VARCHAR, msg TEXT, latency_ms INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'logs', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE VIEW problems AS
SELECT * FROM logs WHERE level IN ('WARN', 'ERROR');

CREATE VIEW problem_codes AS
SELECT service, level, split_part(msg, ':', 1) AS code, latency_ms * 2 AS cost, ts
FROM problems
WHERE msg LIKE '%:%';

CREATE MATERIALIZED VIEW code_counts AS
SELECT concat(service, '/', code) AS svc_code, count(*) AS n, sum(cost) AS cost,
       max(level) AS worst
FROM problem_codes
GROUP BY concat(service, '/', code);

CREATE MATERIALIZED VIEW problem_list AS
SELECT service, code, cost FROM problem_codes WHERE cost > 100;
