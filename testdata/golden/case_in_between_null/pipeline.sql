-- Searched and simple CASE (with and without ELSE), IN / NOT IN, BETWEEN /
-- NOT BETWEEN, IS [NOT] NULL, COALESCE, BOOLEAN and TEXT columns, and
-- three-valued logic over NULL and missing fields.
-- topic: readings partitions=1
CREATE SOURCE readings (
  sensor VARCHAR, site TEXT, temp DOUBLE, level INT, ok BOOLEAN, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'readings', format = 'json',
        event_time = 'ts', watermark_delay = '500ms');

CREATE MATERIALIZED VIEW reading_flags AS
SELECT sensor,
       CASE WHEN temp IS NULL THEN 'unknown'
            WHEN temp < 0 THEN 'freezing'
            WHEN temp BETWEEN 0 AND 25 THEN 'mild'
            ELSE 'hot' END AS band,
       CASE level WHEN 1 THEN 'low' WHEN 2 THEN 'mid' WHEN 3 THEN 'high' END AS level_name,
       site IN ('north', 'south') AS main_site,
       level NOT IN (2, 3) AS not_mid_high,
       temp NOT BETWEEN -5 AND 5 AS outside,
       COALESCE(site, sensor, 'none') AS place,
       ok IS NULL AS ok_unknown,
       ok IS NOT NULL AND ok AS ok_true,
       NOT ok AS not_ok,
       CASE WHEN ok THEN level * 10 ELSE -1 END AS score
FROM readings
WHERE sensor IS NOT NULL AND level IN (1, 2, 3, 4) OR site = 'lab';
