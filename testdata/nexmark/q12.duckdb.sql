SELECT bidder, count(*), time_bucket(INTERVAL 10 SECOND, date_time),
       time_bucket(INTERVAL 10 SECOND, date_time) + INTERVAL 10 SECOND
FROM bid GROUP BY bidder, time_bucket(INTERVAL 10 SECOND, date_time);
