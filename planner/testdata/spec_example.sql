-- SPEC §3's example pipeline.
-- golden: dot
CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, action VARCHAR, cdn VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s', on_error = 'dead_letter');

CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000000');

CREATE VIEW plays AS SELECT * FROM heartbeats WHERE player IS NOT NULL;   -- inlined

CREATE MATERIALIZED VIEW cdn_minute AS
  SELECT cdn, tumble_start(ts, '1m') AS minute, count(*) AS events, avg(bitrate) AS avg_bitrate
  FROM heartbeats GROUP BY cdn, tumble(ts, '1m');

CREATE SINK cdn_metrics FROM cdn_minute WITH (
  connector = 'prometheus', url = 'http://127.0.0.1:8428/api/v1/write',
  metric = 'spate_cdn_avg_bitrate', value = 'avg_bitrate', labels = 'cdn', time = 'minute');
CREATE SINK alerts FROM cdn_minute WITH (connector = 'kafka', topic = 'alerts', format = 'json');
