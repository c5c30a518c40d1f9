-- view: unit_minute
SELECT unit, time_bucket(INTERVAL '1 minute', ts), sum(kwh), count(*)
FROM meter
GROUP BY unit, time_bucket(INTERVAL '1 minute', ts);
