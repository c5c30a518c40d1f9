-- Hopping windows whose slide does not divide the size: hop(ts, '4s',
-- '10s') (an event falls in 2 or 3 windows; windows start at multiples of
-- 4 s since the epoch) with window_start()/window_end(), and hop(ts,
-- '2 seconds', '6 seconds') with hop_start/hop_end; two partitions with
-- interleaved times; epoch-ms and RFC 3339 event times mixed.
-- topic: pings partitions=2
CREATE SOURCE pings (
  node VARCHAR, rtt_ms INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'pings', format = 'json',
        event_time = 'ts', watermark_delay = '3s');

CREATE MATERIALIZED VIEW node_hop_4_10 AS
SELECT node, window_start() AS ws, window_end() AS we,
       count(*) AS n, sum(rtt_ms) AS total_rtt, min(rtt_ms) AS best
FROM pings
GROUP BY node, hop(ts, '4s', '10s');

CREATE MATERIALIZED VIEW all_hop_2_6 AS
SELECT hop_start(ts, '2 seconds', '6 seconds') AS hs,
       hop_end(ts, '2 seconds', '6 seconds') AS he,
       count(*) AS n, max(rtt_ms) AS worst, count(DISTINCT node) AS nodes
FROM pings
GROUP BY hop(ts, '2 seconds', '6 seconds');
