-- Nexmark q11: User sessions. Bids per bidder per session (10 s of
-- inactivity closes a session).
-- Follows nexmark-flink queries/q11.sql (RisingWave has no session
-- windows and no q11).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q11 AS
SELECT bidder, count(*) AS bid_count,
       session_start(date_time, '10s') AS starttime, session_end(date_time, '10s') AS endtime
FROM bid
GROUP BY bidder, session(date_time, '10s');
