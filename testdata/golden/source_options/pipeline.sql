-- Every Kafka source option the runner can exercise: topic, format,
-- event_time, watermark_delay ('10 seconds'), group_id, start_offset =
-- 'earliest' (records produced before the job starts are read), on_error;
-- option keys in upper case (identifiers are case-insensitive). 30 s
-- tumbling windows.
-- topic: signups partitions=2
CREATE SOURCE signups (
  plan VARCHAR, seats INT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'signups', format = 'json', event_time = 'ts',
        watermark_delay = '10 seconds', group_id = 'spate-golden-signups',
        start_offset = 'earliest', ON_ERROR = 'dead_letter');

CREATE MATERIALIZED VIEW plan_30s AS
SELECT plan, tumble_start(ts, '30s') AS w, tumble_end(ts, '30s') AS w_end,
       count(*) AS signups, sum(seats) AS seats
FROM signups
GROUP BY plan, tumble(ts, '30s');
