WITH m AS (
  SELECT max(price) AS maxprice, time_bucket(INTERVAL 10 SECOND, date_time) + INTERVAL 10 SECOND AS date_time
  FROM bid GROUP BY time_bucket(INTERVAL 10 SECOND, date_time))
SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
FROM bid B JOIN m B1
  ON B.price = B1.maxprice AND B.date_time BETWEEN B1.date_time - INTERVAL 10 SECOND AND B1.date_time;
