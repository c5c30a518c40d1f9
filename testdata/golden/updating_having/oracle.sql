-- view: busy_accounts
SELECT account, count(*), sum(amount)
FROM txns
GROUP BY account
HAVING count(*) >= 3;

-- view: small_spenders
SELECT account, sum(amount)
FROM txns
GROUP BY account
HAVING max(amount) < 100 AND sum(amount) > 10;

