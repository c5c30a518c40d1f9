-- CREATE SINK with the blackhole, stdout and kafka connectors (the
-- runner does not read sink output yet: the MVs the sinks read from are
-- still checked). A sink reads an append (windowed) MV and another an
-- updating MV. The kafka sink's topic is created empty by the header.
-- topic: temps partitions=1
-- topic: alerts partitions=1
CREATE SOURCE temps (
  city VARCHAR, celsius DOUBLE, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'temps', format = 'json',
        event_time = 'ts', watermark_delay = '2s');

CREATE MATERIALIZED VIEW city_hot_minutes AS
SELECT city, tumble_start(ts, '1m') AS minute, max(celsius) AS peak
FROM temps
GROUP BY city, tumble(ts, '1m')
HAVING max(celsius) > 30;

CREATE MATERIALIZED VIEW city_stats AS
SELECT city, count(*) AS n, avg(celsius) AS mean
FROM temps
GROUP BY city;

CREATE SINK hot_to_kafka FROM city_hot_minutes WITH (connector = 'kafka', topic = 'alerts', format = 'json');
CREATE SINK hot_to_stdout FROM city_hot_minutes WITH (connector = 'stdout');
CREATE SINK stats_to_stdout FROM city_stats WITH (connector = 'stdout', format = 'json');
CREATE SINK stats_discard FROM city_stats WITH (connector = 'blackhole');
