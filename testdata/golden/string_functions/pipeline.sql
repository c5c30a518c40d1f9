-- String functions: lower upper length char_length substring (2 and 3
-- arguments) substring_index (positive and negative count) replace concat
-- (NULL arguments are skipped, as DuckDB does) regexp_substr (NULL when
-- nothing matches, as MySQL does) split_part (out of range gives ''),
-- LIKE / NOT LIKE (case-sensitive, % and _), a non-ASCII name (length
-- counts characters, as DuckDB does).
-- topic: users partitions=1
CREATE SOURCE users (
  id BIGINT, name VARCHAR, email TEXT, path VARCHAR, tags VARCHAR, ts TIMESTAMP
) WITH (connector = 'kafka', topic = 'users', format = 'json',
        event_time = 'ts', watermark_delay = '10 seconds');

CREATE MATERIALIZED VIEW user_strings AS
SELECT id,
       lower(name) AS lname,
       upper(name) AS uname,
       length(name) AS len,
       char_length(email) AS elen,
       substring(name, 2, 3) AS sub3,
       substring(email, 3) AS sub_rest,
       substring_index(email, '@', 1) AS user_part,
       substring_index(path, '/', -2) AS tail,
       replace(path, '/', '.') AS dotted,
       concat(name, ' <', email, '>') AS contact,
       regexp_substr(email, '[0-9]+') AS digits,
       split_part(tags, ',', 2) AS tag2
FROM users
WHERE name LIKE '%a%' OR email NOT LIKE '%@example.com' OR name LIKE 'J_s_';
