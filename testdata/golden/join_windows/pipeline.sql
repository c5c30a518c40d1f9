-- Joins of windowed results over Kafka (two partitions each, events out
-- of order within the 1 s delay):
--   ctr: a window join, per-page 10 s click counts joined with view
--        counts of the same window (equal window bounds); state is
--        dropped once both watermarks pass the window end;
--   busy: hopping per-page counts of both streams joined on equal hop
--        starts only (window ends follow), with a residual comparing the
--        two sides' counts.
-- topic: clicks partitions=2
-- topic: views partitions=2
CREATE SOURCE clicks (page VARCHAR, user VARCHAR, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'clicks', format = 'json', event_time = 'ts', watermark_delay = '1s');
CREATE SOURCE views (page VARCHAR, user VARCHAR, ts TIMESTAMP)
  WITH (connector = 'kafka', topic = 'views', format = 'json', event_time = 'ts', watermark_delay = '1s');

CREATE VIEW c AS
SELECT page, tumble_start(ts, '10s') AS ws, tumble_end(ts, '10s') AS we, count(*) AS clicks
FROM clicks GROUP BY page, tumble(ts, '10s');

CREATE VIEW v AS
SELECT page, tumble_start(ts, '10s') AS ws, tumble_end(ts, '10s') AS we, count(*) AS views,
       count(DISTINCT user) AS viewers
FROM views GROUP BY page, tumble(ts, '10s');

CREATE MATERIALIZED VIEW ctr AS
SELECT c.page, c.ws, c.clicks, v.views, v.viewers
FROM c JOIN v ON c.page = v.page AND c.ws = v.ws AND c.we = v.we;

CREATE VIEW hc AS
SELECT page, hop_start(ts, '5s', '10s') AS starttime, count(*) AS num
FROM clicks GROUP BY page, hop(ts, '5s', '10s');

CREATE VIEW hv AS
SELECT page, hop_start(ts, '5s', '10s') AS starttime, count(*) AS num
FROM views GROUP BY page, hop(ts, '5s', '10s');

CREATE MATERIALIZED VIEW busy AS
SELECT hv.page, hv.starttime, hc.num AS clicks, hv.num AS views
FROM hc JOIN hv ON hc.page = hv.page AND hc.starttime = hv.starttime
WHERE hv.num >= 2 * hc.num;
