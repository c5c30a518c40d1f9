-- A nexmark generator source without a column list (the connector defines
-- the schema; date_time is the event time): Nexmark q1/q2-style filter and
-- projection, with a view in between.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '5000');

CREATE VIEW bid_eur AS
SELECT auction, bidder, price * 908 / 1000 AS price_eur, lower(channel) AS channel, date_time
FROM bid;

CREATE MATERIALIZED VIEW q1_like AS
SELECT auction, bidder, price_eur, date_time
FROM bid_eur
WHERE auction % 123 = 0 OR price_eur > 5000000;

CREATE MATERIALIZED VIEW channel_counts AS
SELECT channel, count(*) AS bids, count(DISTINCT bidder) AS bidders, max(price_eur) AS top
FROM bid_eur
GROUP BY channel;
