-- Windows over a nexmark bid stream ('rate' = 10000 events/s, so 5000
-- events span half a second of event time): 100 ms tumbling windows per
-- auction (Nexmark q5/q7 flavour) and 50 ms / 200 ms hopping windows.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '5000',
                        rate = '10000', watermark_delay = '100ms');

CREATE MATERIALIZED VIEW auction_100ms AS
SELECT auction, tumble_start(date_time, '100ms') AS w, count(*) AS bids,
       max(price) AS top, min(price) AS low, avg(price) AS mean
FROM bid
GROUP BY auction, tumble(date_time, '100ms');

CREATE MATERIALIZED VIEW hot_hops AS
SELECT hop_start(date_time, '50ms', '200ms') AS hs, hop_end(date_time, '50ms', '200ms') AS he,
       count(*) AS bids, count(DISTINCT auction) AS auctions, sum(price) AS volume
FROM bid
GROUP BY hop(date_time, '50ms', '200ms');
