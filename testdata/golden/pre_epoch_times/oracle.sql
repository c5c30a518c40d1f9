-- view: old_10s
SELECT time_bucket(INTERVAL '10 seconds', ts), time_bucket(INTERVAL '10 seconds', ts) + INTERVAL 10 SECOND,
       count(*), sum(v)
FROM old
GROUP BY time_bucket(INTERVAL '10 seconds', ts);

-- view: old_7s
SELECT epoch_ms(floor(epoch_ms(ts) / 7000)::BIGINT * 7000), count(*), min(id)
FROM old
GROUP BY floor(epoch_ms(ts) / 7000);

-- view: old_hop
WITH w AS (
  SELECT *, unnest(generate_series(floor(epoch_ms(ts) / 5000)::BIGINT * 5000 - 5000,
                                   floor(epoch_ms(ts) / 5000)::BIGINT * 5000, 5000)) AS hs
  FROM old)
SELECT epoch_ms(hs), count(*), max(v)
FROM w
WHERE hs > epoch_ms(ts) - 10000
GROUP BY hs;

-- view: old_fmt
SELECT id, hour(ts), minute(ts), strftime(ts, '%Y-%m-%d %H:%M:%S') FROM old;
