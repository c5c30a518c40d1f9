-- view: latest_bid
SELECT auction, bidder, price, channel, ts
FROM (SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY ts DESC) AS rank_number FROM bids) t
WHERE rank_number <= 1;

-- view: first_bid
SELECT auction, price, ts, rn FROM (
  SELECT auction, price, ts, row_number() OVER (PARTITION BY auction ORDER BY ts) AS rn FROM bids
) t WHERE rn = 1;

-- view: notes_top
SELECT bidder, channel, note, ts, rn FROM (
  SELECT bidder, channel, note, ts, row_number() OVER (PARTITION BY bidder, channel ORDER BY note DESC, ts) AS rn
  FROM bids
) t WHERE rn <= 2;

-- view: best_per_bidder
SELECT bidder, pos, auction, price FROM (
  SELECT auction, bidder, price, row_number() OVER (PARTITION BY bidder ORDER BY price DESC) AS pos FROM bids
) t WHERE pos <= 2;
