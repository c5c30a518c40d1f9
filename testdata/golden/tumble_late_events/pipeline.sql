-- Late events on one partition: watermark = max event time seen - 2s.
-- Out-of-order events whose 5 s window is still open are counted; events
-- whose window had already ended at the watermark in force when they
-- arrive are dropped and dead-lettered as late (tagged late; each is late
-- by 2 s or more past its window's end). on_error = 'dead_letter' is
-- written out here (it is the default).
-- topic: temps partitions=1
CREATE SOURCE temps (
  room VARCHAR, celsius DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'temps', format = 'json',
        event_time = 'ts', watermark_delay = '2s', on_error = 'dead_letter');

CREATE MATERIALIZED VIEW room_5s AS
SELECT room,
       window_start() AS ws,
       window_end() AS we,
       count(*) AS n,
       sum(celsius) AS total,
       min(celsius) AS lo,
       max(celsius) AS hi
FROM temps
GROUP BY room, tumble(ts, '5s');
