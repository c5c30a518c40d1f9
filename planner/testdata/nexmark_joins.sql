-- Nexmark joins: q3 (regular join of bounded generators, filters pushed
-- below the join), q4-style interval join bounded by a non-event-time
-- column, q7 (stream joined with a windowed aggregate), q8 (join of two
-- windowed aggregates on equal window bounds), a comma join.
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '1000');
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '1000');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000');

CREATE MATERIALIZED VIEW q3 AS
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN person p ON a.seller = p.id
WHERE a.category = 10 AND (p.state = 'OR' OR p.state = 'ID' OR p.state = 'CA');

CREATE MATERIALIZED VIEW q4ish AS
SELECT a.id, a.category, b.price, b.date_time
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires;

CREATE MATERIALIZED VIEW q7 AS
SELECT B.auction, B.price, B.bidder, B.date_time
FROM bid B JOIN (SELECT max(price) AS maxprice, window_end() AS date_time
                 FROM bid GROUP BY tumble(date_time, '10s')) B1
  ON B.price = B1.maxprice
WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time;

CREATE MATERIALIZED VIEW q8 AS
SELECT P.id, P.name, P.starttime
FROM (SELECT id, name, tumble_start(date_time, '10s') AS starttime, tumble_end(date_time, '10s') AS endtime
      FROM person GROUP BY id, name, tumble(date_time, '10s')) P
JOIN (SELECT seller, tumble_start(date_time, '10s') AS starttime, tumble_end(date_time, '10s') AS endtime
      FROM auction GROUP BY seller, tumble(date_time, '10s')) A
  ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;

CREATE MATERIALIZED VIEW comma AS
SELECT *
FROM auction a, bid b
WHERE a.id = b.auction AND b.price > 100 AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL 1 MINUTE;

CREATE VIEW during AS
SELECT a.id, a.category, b.price, b.bidder
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires;

CREATE MATERIALIZED VIEW filtered AS SELECT id, price FROM during WHERE category = 3 AND price > bidder;
