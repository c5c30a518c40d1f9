-- view: room_5s
SELECT room,
       time_bucket(INTERVAL '5 seconds', ts),
       time_bucket(INTERVAL '5 seconds', ts) + INTERVAL 5 SECOND,
       count(*), sum(celsius), min(celsius), max(celsius)
FROM temps
GROUP BY room, time_bucket(INTERVAL '5 seconds', ts);
