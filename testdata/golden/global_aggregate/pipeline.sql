-- Aggregates with no GROUP BY and no window: one updating row for the
-- whole stream (key ()), updated as events arrive. The event at 00:00:00
-- arrives 10 s behind, so the source emits a watermark before it and the
-- row is upserted at least twice. A second global aggregate filters with
-- WHERE and reads only NULLs at first.
-- topic: hits partitions=1
CREATE SOURCE hits (
  path VARCHAR, bytes BIGINT, ms DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'hits', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW totals AS
SELECT count(*) AS n, sum(bytes) AS bytes, avg(ms) AS avg_ms, count(DISTINCT path) AS paths,
       min(ts) AS first_ts, max(ts) AS last_ts
FROM hits;

CREATE MATERIALIZED VIEW api_totals AS
SELECT count(ms) AS timed, max(ms) AS slowest
FROM hits
WHERE path LIKE '/api/%';
