-- Top-N per key (Nexmark q18, q19 shapes).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000');

-- q18: the latest bid of each (bidder, auction); rn not selected, N = 1.
CREATE MATERIALIZED VIEW q18 AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number
      FROM bid) t
WHERE rank_number <= 1;

-- q19: the 10 highest bids per auction, with the rank.
CREATE MATERIALIZED VIEW q19 AS
SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid) t
WHERE rank_number <= 10;

-- A computed ORDER BY, an inner WHERE and outer filters besides the bound
-- (the one on the partition column filters the input).
CREATE MATERIALIZED VIEW top3 AS
SELECT auction, rn, price, channel FROM (
  SELECT auction, price, channel, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price * 2 + 1, date_time DESC) AS rn
  FROM bid WHERE price > 10) t
WHERE rn < 4 AND channel <> 'Google' AND auction % 2 = 0;
