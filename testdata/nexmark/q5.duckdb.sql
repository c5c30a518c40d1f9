-- Hop windows: each bid falls in the 5 windows of 10 s starting at
-- floor(t / 2 s) * 2 s - 8 s ... floor(t / 2 s) * 2 s.
WITH h AS (
  SELECT auction, unnest(generate_series(epoch_ms(date_time) // 2000 * 2000 - 8000, epoch_ms(date_time) // 2000 * 2000, 2000)) AS ws
  FROM bid),
ab AS (SELECT auction, count(*) AS num, ws FROM h GROUP BY auction, ws),
mb AS (SELECT max(num) AS maxn, ws FROM ab GROUP BY ws)
SELECT ab.auction, ab.num FROM ab JOIN mb ON ab.ws = mb.ws AND ab.num >= mb.maxn;
