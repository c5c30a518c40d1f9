-- Late and malformed records together on one partition: the dead-letter
-- table must tell them apart (reason 'late...' for the late ones). 1 m
-- tumbling windows, watermark delay '500ms'; each late event is 10 s or
-- more behind its window's end at the watermark in force when it arrives;
-- bad records do not move the watermark.
-- topic: meter partitions=1
CREATE SOURCE meter (
  unit VARCHAR, kwh DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'meter', format = 'json',
        event_time = 'ts', watermark_delay = '500ms');

CREATE MATERIALIZED VIEW unit_minute AS
SELECT unit, tumble_start(ts, '1m') AS minute, sum(kwh) AS kwh, count(*) AS readings
FROM meter
GROUP BY unit, tumble(ts, '1m');
