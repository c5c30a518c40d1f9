-- Aggregates over updating views (issue #4, Nexmark q4's shape): the
-- inner aggregate is an upsert stream keyed by (user_id, region); the
-- outer one retracts a key's previous row when its new version arrives,
-- and its whole contribution when the row is deleted (HAVING turning
-- false, or a WHERE over the updating view not matching any more). A
-- region all of whose users are retracted disappears. The watermark
-- delay is 0 so every event emits intermediate states.
-- topic: src partitions=1
CREATE SOURCE src (
  user_id VARCHAR, region VARCHAR, x BIGINT, y DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'src', format = 'json',
        event_time = 'ts', watermark_delay = '0s');

CREATE VIEW per_user AS
SELECT user_id, region, max(x) AS m, sum(y) AS sy, count(*) AS c
FROM src GROUP BY user_id, region;

CREATE MATERIALIZED VIEW by_region AS
SELECT region, avg(m) AS avg_m, count(*) AS users, count(m) AS with_m, sum(m) AS sum_m,
       sum(sy) AS sum_y, avg(sy) AS avg_y, sum(c) AS events
FROM per_user GROUP BY region;

CREATE MATERIALIZED VIEW few_events AS
SELECT region, count(*) AS users, sum(m) AS total
FROM (SELECT user_id, region, max(x) AS m FROM src GROUP BY user_id, region HAVING count(*) < 3) q
GROUP BY region;

CREATE MATERIALIZED VIEW big_users AS
SELECT region, count(*) AS users, avg(m) AS avg_m
FROM per_user WHERE m > 150
GROUP BY region
HAVING count(*) >= 2;

CREATE MATERIALIZED VIEW user_regions AS
SELECT user_id, count(*) AS regions, sum(c) AS events
FROM per_user GROUP BY user_id;
