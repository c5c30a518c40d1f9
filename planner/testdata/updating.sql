-- Aggregates without a window are updating (upsert by the group keys); a
-- view over one keeps its keys, and a WHERE over it marks rows that stop
-- matching as deleted instead of filtering them.
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '10000');

CREATE MATERIALIZED VIEW bids_per_channel AS
  SELECT channel, count(*) AS bids, sum(price) AS volume, count(DISTINCT bidder) AS bidders
  FROM bid GROUP BY channel;

CREATE MATERIALIZED VIEW busy_channels AS
  SELECT channel, bids FROM bids_per_channel WHERE bids > 100;

CREATE MATERIALIZED VIEW total AS SELECT count(*) AS n FROM bid;

CREATE SINK channel_updates FROM bids_per_channel WITH (connector = 'kafka', topic = 'channels', key = 'channel');
