-- view: node_hop_4_10
WITH w AS (
  SELECT *, unnest(generate_series(epoch_ms(ts) // 4000 * 4000 - 8000, epoch_ms(ts) // 4000 * 4000, 4000)) AS ws
  FROM pings)
SELECT node, epoch_ms(ws), epoch_ms(ws + 10000), count(*), sum(rtt_ms), min(rtt_ms)
FROM w
WHERE ws > epoch_ms(ts) - 10000
GROUP BY node, ws;

-- view: all_hop_2_6
WITH w AS (
  SELECT *, unnest(generate_series(epoch_ms(ts) // 2000 * 2000 - 4000, epoch_ms(ts) // 2000 * 2000, 2000)) AS ws
  FROM pings)
SELECT epoch_ms(ws), epoch_ms(ws + 6000), count(*), max(rtt_ms), count(DISTINCT node)
FROM w
WHERE ws > epoch_ms(ts) - 6000
GROUP BY ws;
