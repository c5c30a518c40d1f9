-- Three tumbling sizes over one source: '7s' (does not divide a minute or
-- a day, so windows align to the epoch, not to the minute: 1704067200 s is
-- not a multiple of 7), '500ms' and '1h'.
-- topic: ticks partitions=1
CREATE SOURCE ticks (
  sym VARCHAR, px DOUBLE, vol BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'ticks', format = 'json',
        event_time = 'ts', watermark_delay = '500ms');

CREATE MATERIALIZED VIEW ticks_7s AS
SELECT sym, tumble_start(ts, '7s') AS ws, tumble_end(ts, '7s') AS we,
       count(*) AS n, sum(vol) AS vol, max(px) AS hi,
       max(px) - min(px) AS spread, sum(px * vol) / sum(vol) AS vwap
FROM ticks
GROUP BY sym, tumble(ts, '7s');

CREATE MATERIALIZED VIEW ticks_500ms AS
SELECT tumble_start(ts, '500ms') AS ws, count(*) AS n, min(px) AS lo
FROM ticks
GROUP BY tumble(ts, '500ms');

CREATE MATERIALIZED VIEW ticks_1h AS
SELECT sym, window_start() AS ws, window_end() AS we, count(*) AS n,
       avg(px) AS avg_px, sum(px * vol) AS notional
FROM ticks
GROUP BY tumble(ts, '1h'), sym;
