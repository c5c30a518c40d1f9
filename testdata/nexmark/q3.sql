-- Nexmark q3: Local item suggestion. Who sells in OR, ID or CA in
-- category 10, and which auctions? An incremental join.
-- Follows nexmark-flink queries/q3.sql (upper-case states, as the
-- generator writes them; RisingWave's e2e q3 uses lower case).
-- Deviation: no time bound on the join; spate accepts it because both
-- generator sources are bounded (SPEC §3).
CREATE SOURCE auction WITH (connector = 'nexmark', table = 'auction', events = '200000');
CREATE SOURCE person WITH (connector = 'nexmark', table = 'person', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q3 AS
SELECT P.name, P.city, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
