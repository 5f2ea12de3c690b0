-- The API-limit governor: what each response says of the org's daily API usage is kept, and a
-- scan refuses to start once the remaining requests fall below the server's api_reserve_pct.
\i tests/regress/sql/include/objects.sql
\set VERBOSITY default

-- Live usage per server (the emulator's daily allocation is 100,000).
SELECT server, used > 0 AS some_used, max, remaining_pct > 50 AS plenty_left, error
  FROM salesforce_fdw.api_usage();

-- The org is at 95,000 of 100,000: the next scan still runs (it learns the usage from the
-- response) but the one after it refuses, naming the server and the figures.
\! curl -s -o /dev/null -X POST "$SF_EMULATOR_URL/__emulator/api-usage?used=95000"
SELECT count(*) FROM sf.opportunity WHERE fiscal_year = 2024 AND fiscal_quarter = 1;
SELECT count(*) FROM sf.opportunity WHERE fiscal_year = 2024 AND fiscal_quarter = 2;
\echo :LAST_ERROR_SQLSTATE
-- A smaller reserve lets work go on.
ALTER SERVER emulator OPTIONS (ADD api_reserve_pct '2');
SELECT count(*) FROM sf.opportunity WHERE fiscal_year = 2024 AND fiscal_quarter = 2;
-- The limit itself: Salesforce's own error, with a hint.
\! curl -s -o /dev/null -X POST "$SF_EMULATOR_URL/__emulator/api-usage?used=100000"
ALTER SERVER emulator OPTIONS (SET api_reserve_pct '0');
SELECT count(*) FROM sf.opportunity;
\echo :LAST_ERROR_SQLSTATE
\! curl -s -o /dev/null -X POST "$SF_EMULATOR_URL/__emulator/api-usage?used=0"
ALTER SERVER emulator OPTIONS (DROP api_reserve_pct);
SELECT count(*) FROM sf.opportunity WHERE fiscal_year = 2024 AND fiscal_quarter = 2;
