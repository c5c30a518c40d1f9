-- A source without event_time (ingestion time) and without
-- watermark_delay: a TIMESTAMP column is then an ordinary nullable column
-- (a record without it is not an error). Append and updating views only,
-- since ingestion-time windows depend on wall time.
-- topic: notes partitions=1
CREATE SOURCE notes (
  author VARCHAR, body TEXT, stars INT, written TIMESTAMP
) WITH (connector = 'kafka', topic = 'notes', format = 'json');

CREATE MATERIALIZED VIEW starred AS
SELECT author, upper(substring(body, 1, 5)) AS head, stars, written
FROM notes
WHERE stars >= 3;

CREATE MATERIALIZED VIEW author_stats AS
SELECT author, count(*) AS notes, avg(stars) AS avg_stars, max(written) AS latest,
       count(written) AS dated
FROM notes
GROUP BY author;
