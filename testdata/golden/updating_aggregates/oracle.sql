-- view: customer_totals
SELECT customer, count(*), count(coupon), count(DISTINCT product), sum(qty), sum(price),
       avg(price), min(product), max(product), min(qty), max(price), min(ts), max(ts),
       sum(price) / count(*), max(qty) - min(qty),
       CASE WHEN count(*) > 3 THEN 'regular' ELSE 'occasional' END, 'v1'
FROM purchases
GROUP BY customer;

-- view: product_coupon
SELECT product, coupon, count(*), sum(qty * price)
FROM purchases
GROUP BY product, coupon;
