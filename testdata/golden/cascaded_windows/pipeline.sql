-- Aggregates over a windowed view: 1-minute tumbling windows over the
-- rows of 10 s tumbling windows (keyed on their tumble_start column), and
-- an updating aggregate over the same 10 s rows. A 10 s window's row is
-- emitted only once the watermark has passed its end, so its minute must
-- still be open for it then (the result must equal the batch query: no
-- row may be dropped as late). Events are in order, spanning 3 minutes.
-- topic: clicks partitions=1
CREATE SOURCE clicks (
  page VARCHAR, ms INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'clicks', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE VIEW per10 AS
SELECT page, tumble_start(ts, '10s') AS w, count(*) AS n, sum(ms) AS ms
FROM clicks
GROUP BY page, tumble(ts, '10s');

CREATE MATERIALIZED VIEW per_minute AS
SELECT page, tumble_start(w, '1m') AS m, sum(n) AS n, max(n) AS peak10, count(*) AS busy_windows
FROM per10
GROUP BY page, tumble(w, '1m');

CREATE MATERIALIZED VIEW page_peak AS
SELECT page, max(n) AS best10, count(*) AS windows, sum(ms) AS ms
FROM per10
GROUP BY page;
