-- view: q3
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN person p ON a.seller = p.id
WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA');

-- view: q20
SELECT b.auction, b.bidder, b.price, b.channel, b.date_time, a.item_name, a.initial_bid, a.seller, a.category
FROM bid b JOIN auction a ON b.auction = a.id
WHERE a.category = 10;

-- view: during_auction
SELECT a.id, a.seller, b.bidder, b.price, b.date_time
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires;

-- view: q7
SELECT B.auction, B.price, B.bidder, B.date_time
FROM bid B JOIN (SELECT max(price) AS maxprice, time_bucket(INTERVAL '10 seconds', date_time) + INTERVAL '10 seconds' AS date_time
                 FROM bid GROUP BY time_bucket(INTERVAL '10 seconds', date_time)) B1
  ON B.price = B1.maxprice
WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time;

-- view: q8
SELECT P.id, P.name, P.starttime
FROM (SELECT DISTINCT id, name, time_bucket(INTERVAL '10 seconds', date_time) AS starttime FROM person) P
JOIN (SELECT DISTINCT seller, time_bucket(INTERVAL '10 seconds', date_time) AS starttime FROM auction) A
  ON P.id = A.seller AND P.starttime = A.starttime;

-- view: star
SELECT * FROM auction a, bid b
WHERE a.id = b.auction AND b.price > 5000000 AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL 1 MINUTE;

-- view: filtered
SELECT a.id, b.price
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires
WHERE a.category = 12 AND b.price > b.bidder;
