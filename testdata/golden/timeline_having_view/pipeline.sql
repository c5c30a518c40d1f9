-- A timeline query over a plain view whose WHERE drops debug events
-- before they become timeline events; two group keys (device,
-- session_id); a state over an expression (tl_latest(lower(player)));
-- a CASE over states in tl_value_at_end; arithmetic over a timeline
-- aggregate in the select list; HAVING on a timeline aggregate (windows
-- with under 10 s of play are dropped). h's quiet spell from 14 s to 70 s
-- (56 s >= the 45 s ttl) splits its timeline. Two partitions keyed by
-- session. Times are seconds from 2024-01-01T00:00:00Z.
-- topic: heartbeats partitions=2
CREATE SOURCE heartbeats (
  session_id VARCHAR, device VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s');

CREATE VIEW real_events AS SELECT * FROM heartbeats WHERE action IS NULL OR action <> 'debug';

CREATE MATERIALIZED VIEW engaged WITH (timeline_ttl = '45s') AS
SELECT device, session_id, tumble_start(ts, '1m') AS minute, count(*) AS events,
  tl_duration_where(tl_latest(lower(player)) = 'play') AS play_ms,
  tl_duration_where(tl_latest(lower(player)) = 'play') * 100 / 60000 AS play_pct,
  tl_value_at_end(CASE WHEN tl_latest(lower(player)) = 'play' THEN 'watching' ELSE 'idle' END) AS status
FROM real_events
GROUP BY device, session_id, tumble(ts, '1m')
HAVING tl_duration_where(tl_latest(lower(player)) = 'play') >= 10000;
