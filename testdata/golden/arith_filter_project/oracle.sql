-- view: order_math
SELECT order_id, customer, amount * qty, amount + 1.5, amount - qty, qty / 2,
       amount / qty, order_id % 3, mod(qty, 4), -qty,
       qty * 2 + order_id * 10 - 1, amount >= 20, amount % 4, order_id % (qty - qty)
FROM orders
WHERE (amount > 10 AND qty >= 1) OR (customer = 'zoe' AND NOT qty = 3);
