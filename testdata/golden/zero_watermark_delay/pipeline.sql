-- No watermark_delay (default 0 s): the watermark is the largest event
-- time seen. Out-of-order events whose 10 s window is still open count;
-- one whose window ended at or before the watermark when it arrives is
-- late (each late event here is 2 s or more past its window's end).
-- topic: taps partitions=1
CREATE SOURCE taps (
  btn VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'taps', format = 'json', event_time = 'ts');

CREATE MATERIALIZED VIEW taps_10s AS
SELECT btn, tumble_start(ts, '10s') AS w, count(*) AS n
FROM taps
GROUP BY btn, tumble(ts, '10s');
