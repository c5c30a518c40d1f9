-- Nexmark q1 (currency conversion, DECIMAL arithmetic) and q2 (selection).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '100000', rate = '10000');

CREATE MATERIALIZED VIEW q1 AS
  SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid;

CREATE MATERIALIZED VIEW q2 AS
  SELECT auction, price FROM bid
  WHERE auction = 1007 OR auction = 1020 OR auction = 2001 OR auction = 2019 OR auction = 2087;
