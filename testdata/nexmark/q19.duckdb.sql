WITH r AS (
  SELECT auction, bidder, price, channel, url, date_time, extra,
         row_number() OVER (PARTITION BY auction ORDER BY price DESC, seq) AS rank_number
  FROM bid)
SELECT auction, bidder, price, channel, url, date_time, extra, rank_number FROM r WHERE rank_number <= 10;
