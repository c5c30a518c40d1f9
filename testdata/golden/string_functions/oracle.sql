-- view: user_strings
SELECT id,
       lower(name),
       upper(name),
       length(name),
       length(email),
       substring(name, 2, 3),
       substring(email, 3),
       array_to_string(string_split(email, '@')[1:1], '@'),
       array_to_string(string_split(path, '/')[-2:], '/'),
       replace(path, '/', '.'),
       concat(name, ' <', email, '>'),
       CASE WHEN regexp_matches(email, '[0-9]+') THEN regexp_extract(email, '[0-9]+') END,
       split_part(tags, ',', 2)
FROM users
WHERE name LIKE '%a%' OR email NOT LIKE '%@example.com' OR name LIKE 'J_s_';
