-- view: login_times
SELECT uid,
       ts,
       strftime(ts, '%Y-%m-%d %H:%M:%S'),
       strftime(ts, '%H:%M'),
       hour(ts),
       minute(ts),
       ts + INTERVAL 10 SECOND,
       ts - INTERVAL 5 MINUTE,
       ts + INTERVAL 1 HOUR,
       ts + INTERVAL 10 SECOND > ts,
       hour(ts) * 60 + minute(ts),
       strftime(ts, '%A %B %-d %Y %H:%M:%S %p %j %a %b %y %-m %-I %f %I')
FROM logins
WHERE minute(ts) <> 30 AND device <> 'bot';
