-- A plain (inlined) view filtering and renaming a source (the event-time
-- column too), used by one windowed materialized view that groups by a
-- view-computed column and windows on the renamed event time.
-- topic: heartbeats partitions=1
CREATE SOURCE heartbeats (
  session_id VARCHAR, player VARCHAR, cdn VARCHAR, bitrate DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE VIEW plays AS
SELECT session_id, cdn AS edge, bitrate / 1000 AS mbps, ts AS played_at
FROM heartbeats
WHERE player IS NOT NULL AND player <> 'stopped';

CREATE MATERIALIZED VIEW cdn_minute AS
SELECT edge, tumble_start(played_at, '1m') AS minute, count(*) AS events,
       avg(mbps) AS avg_mbps, count(DISTINCT session_id) AS sessions
FROM plays
GROUP BY edge, tumble(played_at, '1m');
