-- view: totals
SELECT count(*), sum(bytes), avg(ms), count(DISTINCT path), min(ts), max(ts) FROM hits;

-- view: api_totals
SELECT count(ms), max(ms) FROM hits WHERE path LIKE '/api/%';
