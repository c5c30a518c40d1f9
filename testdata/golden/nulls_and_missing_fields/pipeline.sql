-- NULL and missing fields in windowed aggregates: a NULL group key is its
-- own group; a group whose measure is always NULL gets count(x) = 0 and
-- NULL sum/avg/min/max; count(DISTINCT) ignores NULLs; COALESCE and
-- IS NULL inside aggregates; missing fields read as NULL.
-- topic: obs partitions=1
CREATE SOURCE obs (
  station VARCHAR, temp DOUBLE, wind INT, note VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'obs', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW station_10s AS
SELECT station,
       tumble_start(ts, '10s') AS w,
       count(*) AS n,
       count(temp) AS n_temp,
       count(DISTINCT note) AS notes,
       sum(temp) AS sum_temp,
       avg(temp) AS avg_temp,
       min(wind) AS min_wind,
       max(note) AS max_note,
       sum(COALESCE(wind, 0)) AS wind_or_zero,
       sum(CASE WHEN temp IS NULL THEN 1 ELSE 0 END) AS missing_temp
FROM obs
GROUP BY station, tumble(ts, '10s');
