-- view: cdn_minute
SELECT cdn, time_bucket(INTERVAL '1 minute', ts), count(*), avg(bitrate / 1000), count(DISTINCT session_id)
FROM heartbeats
WHERE player IS NOT NULL AND player <> 'stopped'
GROUP BY cdn, time_bucket(INTERVAL '1 minute', ts);
