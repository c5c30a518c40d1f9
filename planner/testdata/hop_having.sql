-- Hop windows (hop(ts, slide, size)) with HAVING, window_start()/window_end()
-- and aggregates that appear only in HAVING.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10000');

CREATE MATERIALIZED VIEW hot_auctions AS
  SELECT auction, window_start() AS ws, hop_end(date_time, '2 seconds', '10s') AS we,
         count(*) AS bids, max(price) AS top, sum(price) / count(*) AS mean_price
  FROM bid
  GROUP BY auction, hop(date_time, '2s', '10 seconds')
  HAVING count(*) > 3 AND min(price) > 10;
