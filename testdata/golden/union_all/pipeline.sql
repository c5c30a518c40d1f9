-- UNION ALL of two Kafka sources (directly in a materialized view, and in
-- a view over a filtered view and a source, aggregated in 10 s tumbling
-- windows: the union's watermark is the smaller of its inputs'); string
-- literal columns; duplicates are kept; an updating aggregate over the
-- same union view.
-- topic: web_events partitions=1
-- topic: app_events partitions=1
CREATE SOURCE web_events (
  user_id VARCHAR, amount DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'web_events', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE SOURCE app_events (
  ts TIMESTAMP, user_id VARCHAR, amount DOUBLE, os VARCHAR
) WITH (connector = 'kafka', topic = 'app_events', format = 'json',
        event_time = 'ts', watermark_delay = '500ms');

CREATE VIEW web_clean AS
SELECT user_id, amount, ts FROM web_events WHERE amount IS NOT NULL;

CREATE VIEW all_events AS
SELECT 'web' AS channel, user_id, amount, ts FROM web_clean
UNION ALL
SELECT 'app' AS channel, user_id, amount, ts FROM app_events;

CREATE MATERIALIZED VIEW channel_10s AS
SELECT channel, tumble_start(ts, '10s') AS w, count(*) AS n, sum(amount) AS total,
       count(DISTINCT user_id) AS users
FROM all_events
GROUP BY channel, tumble(ts, '10s');

CREATE MATERIALIZED VIEW user_channel_totals AS
SELECT user_id, channel, count(*) AS n, sum(amount) AS total
FROM all_events
GROUP BY user_id, channel;

CREATE MATERIALIZED VIEW user_amounts AS
SELECT user_id, amount FROM web_events
UNION ALL
SELECT user_id, amount * 100 AS amount FROM app_events WHERE os <> 'test';
