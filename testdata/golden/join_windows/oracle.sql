-- view: ctr
WITH c AS (SELECT page, time_bucket(INTERVAL '10 seconds', ts) AS ws, count(*) AS clicks
           FROM clicks GROUP BY page, time_bucket(INTERVAL '10 seconds', ts)),
     v AS (SELECT page, time_bucket(INTERVAL '10 seconds', ts) AS ws, count(*) AS views, count(DISTINCT "user") AS viewers
           FROM views GROUP BY page, time_bucket(INTERVAL '10 seconds', ts))
SELECT c.page, c.ws, c.clicks, v.views, v.viewers FROM c JOIN v ON c.page = v.page AND c.ws = v.ws;

-- view: busy
WITH hc AS (
  SELECT page, s AS starttime, count(*) AS num
  FROM (SELECT page, unnest([time_bucket(INTERVAL '5 seconds', ts),
                             time_bucket(INTERVAL '5 seconds', ts) - INTERVAL 5 SECOND]) AS s FROM clicks)
  GROUP BY page, s),
hv AS (
  SELECT page, s AS starttime, count(*) AS num
  FROM (SELECT page, unnest([time_bucket(INTERVAL '5 seconds', ts),
                             time_bucket(INTERVAL '5 seconds', ts) - INTERVAL 5 SECOND]) AS s FROM views)
  GROUP BY page, s)
SELECT hv.page, hv.starttime, hc.num, hv.num FROM hc JOIN hv ON hc.page = hv.page AND hc.starttime = hv.starttime
WHERE hv.num >= 2 * hc.num;
