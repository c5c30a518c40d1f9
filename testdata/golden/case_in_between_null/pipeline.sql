-- Searched and simple CASE (with and without ELSE), IN / NOT IN, BETWEEN /
-- NOT BETWEEN, IS [NOT] NULL, COALESCE, BOOLEAN and TEXT columns, and
-- three-valued logic over NULL and missing fields (also NULL inside an IN
-- list and as a BETWEEN bound), string ordering, nested CASE.
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
       CASE WHEN ok THEN level * 10 ELSE -1 END AS score,
       level IN (1, NULL) AS in_with_null,
       level NOT IN (1, NULL) AS not_in_with_null,
       temp BETWEEN 0 AND NULL AS between_null,
       sensor < 's5' AS sensor_before_s5,
       ok = true AS ok_eq_true,
       CASE WHEN site IS NULL THEN 'none' WHEN site LIKE 'n%' THEN CASE WHEN ok THEN 'north-ok' ELSE 'north' END ELSE 'other' END AS nested
FROM readings
WHERE sensor IS NOT NULL AND level IN (1, 2, 3, 4) OR site = 'lab';
