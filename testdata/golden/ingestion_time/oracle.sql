-- view: starred
SELECT author, upper(substring(body, 1, 5)), stars, written FROM notes WHERE stars >= 3;

-- view: author_stats
SELECT author, count(*), avg(stars), max(written), count(written) FROM notes GROUP BY author;
