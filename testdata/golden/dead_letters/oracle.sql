-- view: name_totals
SELECT name, count(*), sum(price), count(active) FROM events GROUP BY name;

-- view: events_10s
SELECT time_bucket(INTERVAL '10 seconds', ts), count(*), max(price)
FROM events
GROUP BY time_bucket(INTERVAL '10 seconds', ts);

-- view: audit_log
SELECT actor, what, ts FROM audits;
