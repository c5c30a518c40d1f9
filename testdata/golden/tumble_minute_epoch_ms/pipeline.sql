-- One-minute tumbling windows ('1 minute' spelling, also for the
-- watermark delay) over event times given as epoch-millisecond numbers;
-- minute 2 has no events; DOUBLE and BIGINT aggregates, avg of BIGINT;
-- an aggregate over an expression.
-- topic: metrics partitions=1
CREATE SOURCE metrics (
  host VARCHAR, cpu DOUBLE, mem BIGINT, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'metrics', format = 'json',
        event_time = 'ts', watermark_delay = '1 minute');

CREATE MATERIALIZED VIEW host_minute AS
SELECT host,
       tumble_start(ts, '1 minute') AS minute,
       tumble_end(ts, '1 minute') AS minute_end,
       count(*) AS samples,
       max(cpu) AS max_cpu,
       min(cpu) AS min_cpu,
       avg(mem) AS avg_mem,
       sum(mem / 1024) AS mem_kib,
       max(ts) AS last_seen
FROM metrics
GROUP BY host, tumble(ts, '1 minute');
