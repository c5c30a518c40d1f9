-- view: q1_like
SELECT auction, bidder, price * 908 / 1000, date_time
FROM bid
WHERE auction % 123 = 0 OR price * 908 / 1000 > 5000000;

-- view: channel_counts
SELECT lower(channel), count(*), count(DISTINCT bidder), max(price * 908 / 1000)
FROM bid
GROUP BY lower(channel);
