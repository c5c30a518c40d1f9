-- view: region_products
SELECT DISTINCT region, lower(product) FROM visits WHERE qty > 0;

-- view: regions
SELECT DISTINCT region FROM visits;
