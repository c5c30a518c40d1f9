-- view: item_casts
SELECT id,
       CAST(id AS BIGINT) * 1000000000,
       CAST(price AS DOUBLE) / 4,
       CAST(price AS BIGINT),
       price * 2,
       CAST(weight AS BIGINT),
       CAST(weight AS INT) + 1,
       CAST(weight AS DECIMAL(10,1)),
       CAST(qty_text AS INT) + 1,
       CAST(qty_text AS DOUBLE) * 2,
       concat(CAST(id AS VARCHAR), '-', code),
       CAST(ts AS VARCHAR),
       CAST(active AS INT),
       CAST(weight AS VARCHAR),
       CAST(active AS VARCHAR)
FROM items
WHERE active OR id > 5;
