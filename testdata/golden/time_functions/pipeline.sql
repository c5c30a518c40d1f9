-- date_format (MySQL codes, also %W %M %e %T %p %j %a %b %y %c %l %f %I),
-- hour, minute, INTERVAL arithmetic on
-- timestamps (INTERVAL 10 SECOND, INTERVAL '5' MINUTE, INTERVAL 1 HOUR),
-- timestamp comparisons; event times as RFC 3339 strings with Z, explicit
-- offsets and milliseconds, and as epoch-millisecond numbers.
-- topic: logins partitions=1
CREATE SOURCE logins (
  uid BIGINT, device VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'logins', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW login_times AS
SELECT uid,
       ts,
       date_format(ts, '%Y-%m-%d %H:%i:%s') AS full_text,
       date_format(ts, '%H:%i') AS hm,
       hour(ts) AS h,
       minute(ts) AS m,
       ts + INTERVAL 10 SECOND AS plus10s,
       ts - INTERVAL '5' MINUTE AS minus5m,
       ts + INTERVAL 1 HOUR AS plus1h,
       ts + INTERVAL 10 SECOND > ts AS later,
       hour(ts) * 60 + minute(ts) AS minute_of_day,
       date_format(ts, '%W %M %e %Y %T %p %j %a %b %y %c %l %f %I') AS long_text
FROM logins
WHERE minute(ts) <> 30 AND device <> 'bot';
