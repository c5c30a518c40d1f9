-- Nexmark auction and person generators (with seed and rate options):
-- updating aggregates with count(DISTINCT), avg, min over TIMESTAMP and
-- HAVING; a session window over auctions per seller (gap 20 ms at 1000
-- events/s).
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '5000',
                            seed = '7', rate = '1000');
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '5000', seed = '7');

CREATE MATERIALIZED VIEW category_stats AS
SELECT category, count(*) AS auctions, avg(initial_bid) AS avg_initial, max(reserve) AS max_reserve,
       min(expires) AS first_expiry, count(DISTINCT seller) AS sellers
FROM auction
GROUP BY category;

CREATE MATERIALIZED VIEW busy_states AS
SELECT state, count(*) AS people, count(DISTINCT city) AS cities, min(name) AS first_name
FROM person
GROUP BY state
HAVING count(*) > 1;

CREATE MATERIALIZED VIEW seller_sessions AS
SELECT seller, session_start(date_time, '20ms') AS ss, session_end(date_time, '20ms') AS se,
       count(*) AS auctions
FROM auction
GROUP BY seller, session(date_time, '20ms');
