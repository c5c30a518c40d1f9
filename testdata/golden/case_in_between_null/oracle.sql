-- view: reading_flags
SELECT sensor,
       CASE WHEN temp IS NULL THEN 'unknown'
            WHEN temp < 0 THEN 'freezing'
            WHEN temp BETWEEN 0 AND 25 THEN 'mild'
            ELSE 'hot' END,
       CASE level WHEN 1 THEN 'low' WHEN 2 THEN 'mid' WHEN 3 THEN 'high' END,
       site IN ('north', 'south'),
       level NOT IN (2, 3),
       temp NOT BETWEEN -5 AND 5,
       COALESCE(site, sensor, 'none'),
       ok IS NULL,
       ok IS NOT NULL AND ok,
       NOT ok,
       CASE WHEN ok THEN level * 10 ELSE -1 END,
       level IN (1, NULL),
       level NOT IN (1, NULL),
       temp BETWEEN 0 AND NULL,
       sensor < 's5',
       ok = true,
       CASE WHEN site IS NULL THEN 'none' WHEN site LIKE 'n%' THEN CASE WHEN ok THEN 'north-ok' ELSE 'north' END ELSE 'other' END
FROM readings
WHERE (sensor IS NOT NULL AND level IN (1, 2, 3, 4)) OR site = 'lab';
