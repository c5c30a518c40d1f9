-- view: shape_rows
SELECT id, name, upper(name), length(name), score, n, n + 1 FROM shapes;
