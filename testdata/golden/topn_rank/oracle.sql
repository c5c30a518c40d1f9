-- view: top_bids
SELECT * FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE rank_number <= 3;

-- view: cheapest_per_channel
SELECT rn, channel, price, auction FROM (
  SELECT channel, price, auction, row_number() OVER (PARTITION BY channel ORDER BY price) AS rn
  FROM bids WHERE auction <> 1003
) t WHERE rn < 3;

-- view: global_top
SELECT * FROM (SELECT auction, price, row_number() OVER (ORDER BY price DESC) AS r FROM bids) t
WHERE r <= 5;

-- view: expensive_top
SELECT auction, rank_number, price, bidder FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE rank_number <= 4 AND price >= 2000;

-- view: some_auctions
SELECT auction, bidder, price, rank_number FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bids
) t WHERE auction IN (1001, 1002, 1007, 1011) AND rank_number <= 2 AND bidder IS NOT NULL;
