-- Session windows session(ts, '10s') with window_start()/window_end()
-- over two partitions: device d1's sessions [0s,3s] and [20s,24s] (read
-- from partition 0) are merged into one by a bridging event at 12s read
-- from partition 1; the 1-minute watermark delay keeps every session open
-- until the end of input. Also session_start/session_end in a second MV
-- grouped by a computed key.
-- topic: traffic partitions=2
CREATE SOURCE traffic (
  device VARCHAR, bytes BIGINT, kind VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'traffic', format = 'json',
        event_time = 'ts', watermark_delay = '1 minute');

CREATE MATERIALIZED VIEW device_sessions AS
SELECT device,
       window_start() AS ws,
       window_end() AS we,
       count(*) AS packets,
       sum(bytes) AS total_bytes,
       max(bytes) AS biggest
FROM traffic
GROUP BY device, session(ts, '10s');

CREATE MATERIALIZED VIEW kind_sessions AS
SELECT upper(kind) AS kind,
       session_start(ts, '10s') AS ss,
       session_end(ts, '10s') AS se,
       count(*) AS packets
FROM traffic
GROUP BY upper(kind), session(ts, '10s');
