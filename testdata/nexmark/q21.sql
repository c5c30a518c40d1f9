-- Nexmark q21: Add channel id. The channel's id: fixed for the 4 hot
-- channels, else the channel_id parameter of the URL; bids with neither
-- are dropped.
-- Follows nexmark-flink queries/q21.sql (REGEXP_EXTRACT; RisingWave's e2e
-- q21 uses regexp_match(...)[2]).
-- Deviation: "REGEXP_EXTRACT(...) IS NOT NULL" is written
-- "regexp_extract(...) <> ''": Flink's REGEXP_EXTRACT gives NULL when
-- nothing matches, DuckDB's gives '', and the comparison is false for
-- both (no URL here has an empty channel_id).
CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '200000');

CREATE MATERIALIZED VIEW nexmark_q21 AS
SELECT auction, bidder, price, channel,
       CASE WHEN lower(channel) = 'apple' THEN '0'
            WHEN lower(channel) = 'google' THEN '1'
            WHEN lower(channel) = 'facebook' THEN '2'
            WHEN lower(channel) = 'baidu' THEN '3'
            ELSE regexp_extract(url, '(&|^)channel_id=([^&]*)', 2)
       END AS channel_id
FROM bid
WHERE regexp_extract(url, '(&|^)channel_id=([^&]*)', 2) <> ''
   OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu');
