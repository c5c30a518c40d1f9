-- view: ticks_7s
SELECT sym, epoch_ms(epoch_ms(ts) // 7000 * 7000), epoch_ms(epoch_ms(ts) // 7000 * 7000 + 7000),
       count(*), sum(vol), max(px), max(px) - min(px), sum(px * vol) / sum(vol)
FROM ticks
GROUP BY sym, epoch_ms(ts) // 7000;

-- view: ticks_500ms
SELECT time_bucket(INTERVAL '500 milliseconds', ts), count(*), min(px)
FROM ticks
GROUP BY time_bucket(INTERVAL '500 milliseconds', ts);

-- view: ticks_1h
SELECT sym, time_bucket(INTERVAL '1 hour', ts), time_bucket(INTERVAL '1 hour', ts) + INTERVAL 1 HOUR,
       count(*), avg(px), sum(px * vol)
FROM ticks
GROUP BY sym, time_bucket(INTERVAL '1 hour', ts);
