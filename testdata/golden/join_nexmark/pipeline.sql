-- Nexmark joins over the bounded generators: q3 and q20 (regular joins
-- without a time bound, allowed because both sides are bounded; the
-- one-side filters go below the join), an interval join bounded by a
-- non-event-time column (q4/q9's auction JOIN bid during the auction),
-- q7 (bids joined with the windowed max price) and q8 (people and
-- auctions joined on equal tumbling windows). SELECT * over a join names
-- repeated columns as DuckDB does (date_time, date_time_1).
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '4000', rate = '100');
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '4000', rate = '100');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '4000', rate = '100');

CREATE MATERIALIZED VIEW q3 AS
SELECT p.name, p.city, p.state, a.id
FROM auction a JOIN person p ON a.seller = p.id
WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA');

CREATE MATERIALIZED VIEW q20 AS
SELECT b.auction, b.bidder, b.price, b.channel, b.date_time, a.item_name, a.initial_bid, a.seller, a.category
FROM bid b JOIN auction a ON b.auction = a.id
WHERE a.category = 10;

CREATE MATERIALIZED VIEW during_auction AS
SELECT a.id, a.seller, b.bidder, b.price, b.date_time
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

CREATE MATERIALIZED VIEW star AS
SELECT * FROM auction a, bid b
WHERE a.id = b.auction AND b.price > 5000000 AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL 1 MINUTE;

-- A filter over a view that joins goes below the join, per side.
CREATE VIEW during AS
SELECT a.id, a.category, b.price, b.bidder
FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires;

CREATE MATERIALIZED VIEW filtered AS SELECT id, price FROM during WHERE category = 12 AND price > bidder;
