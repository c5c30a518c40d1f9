WITH r AS (
  SELECT auction, bidder, price, channel, url, date_time, extra,
         row_number() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, seq) AS rank_number
  FROM bid)
SELECT auction, bidder, price, channel, url, date_time, extra FROM r WHERE rank_number <= 1;
