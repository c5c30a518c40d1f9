-- Nexmark-style windowed aggregates: hot items per hop window (q5's inner
-- part), new users per tumble window (q8's person side), and q22-like
-- string functions.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '100000');
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '100000');

CREATE MATERIALIZED VIEW q5_counts AS
  SELECT auction, count(*) AS num, hop_start(date_time, '2s', '10s') AS starttime,
         hop_end(date_time, '2s', '10s') AS endtime
  FROM bid GROUP BY auction, hop(date_time, '2s', '10s');

CREATE MATERIALIZED VIEW q8_people AS
  SELECT id, name, tumble_start(date_time, '10s') AS starttime
  FROM person GROUP BY id, name, tumble(date_time, '10s');

CREATE MATERIALIZED VIEW q22 AS
  SELECT auction, bidder, price, channel,
         split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2,
         date_format(date_time, '%Y-%m-%d') AS day, hour(date_time) AS hour,
         substring(url, 1, 10) AS prefix, url || '#' || channel AS tagged,
         coalesce(extra, '') AS extra
  FROM bid;
