WITH p AS (SELECT DISTINCT id, name, time_bucket(INTERVAL 10 SECOND, date_time) AS starttime FROM person),
a AS (SELECT DISTINCT seller, time_bucket(INTERVAL 10 SECOND, date_time) AS starttime FROM auction)
SELECT p.id, p.name, p.starttime FROM p JOIN a ON p.id = a.seller AND p.starttime = a.starttime;
