-- view: taps_10s
SELECT btn, time_bucket(INTERVAL '10 seconds', ts), count(*)
FROM taps
GROUP BY btn, time_bucket(INTERVAL '10 seconds', ts);
