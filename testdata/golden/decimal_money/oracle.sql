-- view: payments_minute
SELECT account, time_bucket(INTERVAL '1 minute', ts), sum(amount), avg(amount), min(amount),
       max(amount), sum(fee), count(*)
FROM payments
GROUP BY account, time_bucket(INTERVAL '1 minute', ts);

-- view: account_net
SELECT account, sum(amount - fee), sum(amount * 2), max(fee)
FROM payments
WHERE amount > 0.15
GROUP BY account;
