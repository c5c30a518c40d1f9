-- view: channel_10s
WITH all_events AS (
  SELECT 'web' AS channel, user_id, amount, ts FROM web_events WHERE amount IS NOT NULL
  UNION ALL
  SELECT 'app' AS channel, user_id, amount, ts FROM app_events)
SELECT channel, time_bucket(INTERVAL '10 seconds', ts), count(*), sum(amount), count(DISTINCT user_id)
FROM all_events
GROUP BY channel, time_bucket(INTERVAL '10 seconds', ts);

-- view: user_channel_totals
WITH all_events AS (
  SELECT 'web' AS channel, user_id, amount, ts FROM web_events WHERE amount IS NOT NULL
  UNION ALL
  SELECT 'app' AS channel, user_id, amount, ts FROM app_events)
SELECT user_id, channel, count(*), sum(amount) FROM all_events GROUP BY user_id, channel;

-- view: user_amounts
SELECT user_id, amount FROM web_events
UNION ALL
SELECT user_id, amount * 100 FROM app_events WHERE os <> 'test';
