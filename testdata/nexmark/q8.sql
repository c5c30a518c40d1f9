-- Nexmark q8: Monitor new users. People who registered and opened an
-- auction in the same 10-second window (a window join).
-- Follows nexmark-flink queries/q8.sql (same as RisingWave's e2e q8).
-- Deviation: the two subqueries are views.
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '200000');
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '200000');

CREATE VIEW q8_people AS
SELECT id, name, tumble_start(date_time, '10s') AS starttime, tumble_end(date_time, '10s') AS endtime
FROM person
GROUP BY id, name, tumble(date_time, '10s');

CREATE VIEW q8_sellers AS
SELECT seller, tumble_start(date_time, '10s') AS starttime, tumble_end(date_time, '10s') AS endtime
FROM auction
GROUP BY seller, tumble(date_time, '10s');

CREATE MATERIALIZED VIEW nexmark_q8 AS
SELECT P.id, P.name, P.starttime
FROM q8_people P JOIN q8_sellers A
  ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
