-- view: bidders_per_auction
SELECT auction, count(DISTINCT bidder), count(DISTINCT price), count(*) FROM bids GROUP BY auction;

-- view: bidders_per_minute
SELECT time_bucket(INTERVAL 1 MINUTE, ts) AS minute, count(DISTINCT bidder), count(DISTINCT auction)
FROM bids GROUP BY minute;

-- view: all_bidders
SELECT count(DISTINCT bidder), count(DISTINCT lower(bidder) || '-' || auction) FROM bids;
