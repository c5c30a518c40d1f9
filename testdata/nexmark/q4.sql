-- Nexmark q4: Average price per category: the mean of the winning
-- (highest) bids of the auctions of each category, counting only bids
-- made while the auction was open.
-- Follows nexmark-flink queries/q4.sql (same as RisingWave's e2e q4).
-- Deviations: the subquery is a view (CREATE VIEW is inlined) and selects
-- its group key A.id too (spate keys an updating view's rows by its group
-- keys, so they must be in the select list); the comma join with its
-- WHERE is written JOIN ... ON.
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '200000');
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE VIEW q4_winning AS
SELECT A.id, A.category, max(B.price) AS final
FROM auction A JOIN bid B ON A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
GROUP BY A.id, A.category;

CREATE MATERIALIZED VIEW nexmark_q4 AS
SELECT category, avg(final) AS avg_final FROM q4_winning GROUP BY category;
