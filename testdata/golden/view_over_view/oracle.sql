-- view: code_counts
WITH problem_codes AS (
  SELECT service, level, split_part(msg, ':', 1) AS code, latency_ms * 2 AS cost, ts
  FROM logs WHERE level IN ('WARN', 'ERROR') AND msg LIKE '%:%')
SELECT concat(service, '/', code), count(*), sum(cost), max(level)
FROM problem_codes
GROUP BY concat(service, '/', code);

-- view: problem_list
WITH problem_codes AS (
  SELECT service, level, split_part(msg, ':', 1) AS code, latency_ms * 2 AS cost, ts
  FROM logs WHERE level IN ('WARN', 'ERROR') AND msg LIKE '%:%')
SELECT service, code, cost FROM problem_codes WHERE cost > 100;
