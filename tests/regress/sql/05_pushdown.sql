-- What goes to Salesforce: WHERE conditions (exact ones leave the local filter, supersets stay
-- in it), ORDER BY on types Salesforce orders like Postgres, LIMIT only when nothing is
-- filtered locally, queryAll for deleted rows, and row estimates from recordCount.
\i tests/regress/sql/include/objects.sql

-- Exact conditions on numbers, dates, booleans: shipped, and no local Filter left.
EXPLAIN (COSTS OFF)
SELECT name FROM sf.opportunity
 WHERE amount > 100000 AND close_date >= date '2025-01-01' AND NOT is_closed;
-- Text equality is case-insensitive in Salesforce: shipped as a superset, rechecked here.
EXPLAIN (COSTS OFF)
SELECT name FROM sf.opportunity WHERE stage_name = 'Closed Won' AND amount > 1000;
-- Conditions Salesforce cannot evaluate stay local, the rest is still shipped.
EXPLAIN (COSTS OFF)
SELECT name FROM sf.opportunity WHERE lower(name) LIKE 'acme%' AND probability >= 50;
-- <> excludes NULLs in Postgres: the SOQL says so explicitly.
EXPLAIN (COSTS OFF)
SELECT count(*) FROM sf.opportunity WHERE amount <> 0;
-- IN lists, NULL tests, OR of shippable conditions.
EXPLAIN (COSTS OFF)
SELECT count(*) FROM sf.opportunity
 WHERE (fiscal_quarter IN (1, 2) OR amount IS NULL) AND created_date < '2025-06-01 00:00:00+02';
-- Conditions that can never match send nothing at all.
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf.opportunity WHERE name = '';
SELECT count(*) FROM sf.opportunity WHERE name = '';

-- Rows transferred equal rows returned for a fully shipped query.
\! python3 tests/emulator_log.py reset
SELECT count(*) FROM sf.opportunity WHERE amount > 100000 AND NOT is_closed;
\! python3 tests/emulator_log.py soql

-- ORDER BY on a number or date with LIMIT: both go to Salesforce, no local Sort.
EXPLAIN (COSTS OFF)
SELECT name, probability FROM sf.opportunity ORDER BY probability DESC NULLS LAST, close_date LIMIT 5;
SELECT name, probability FROM sf.opportunity ORDER BY probability DESC NULLS LAST, close_date, id LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT id, close_date FROM sf.opportunity WHERE is_won ORDER BY close_date, fiscal_year DESC LIMIT 3 OFFSET 2;
-- Not on a currency field of a multi-currency object: Salesforce orders it by the amount
-- converted to the corporate currency (JPY 900,000 before USD 10,000), so the sort and the
-- LIMIT stay local, and the five largest amounts come back.
EXPLAIN (COSTS OFF)
SELECT name, amount FROM sf.opportunity ORDER BY amount DESC NULLS LAST LIMIT 5;
SELECT name, amount, currency_iso_code FROM sf.opportunity ORDER BY amount DESC NULLS LAST LIMIT 5;
-- ORDER BY text stays local (Salesforce sorts text case-insensitively), so LIMIT does too.
EXPLAIN (COSTS OFF)
SELECT name FROM sf.opportunity ORDER BY name LIMIT 5;
-- A local filter keeps LIMIT local.
EXPLAIN (COSTS OFF)
SELECT name FROM sf.opportunity WHERE stage_name = 'Prospecting' LIMIT 5;
-- LIMIT without ORDER BY, all conditions exact: pushed.
\! python3 tests/emulator_log.py reset
SELECT count(*) FROM (SELECT id FROM sf.opportunity WHERE is_won LIMIT 7) x;
\! python3 tests/emulator_log.py soql

-- Deleted rows: `is_deleted` reads through queryAll.
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf.opportunity WHERE is_deleted;
CREATE FOREIGN TABLE sf.opportunity_all (id text, is_deleted boolean)
  SERVER emulator OPTIONS (object 'Opportunity', include_deleted 'true');
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf.opportunity_all;
ALTER FOREIGN TABLE sf.opportunity_all OPTIONS (SET include_deleted 'maybe');
DROP FOREIGN TABLE sf.opportunity_all;

-- Row estimates come from /limits/recordCount: 10,000 opportunities, 5,000 invoices.
EXPLAIN SELECT * FROM sf.opportunity;
EXPLAIN SELECT * FROM sf.invoice;

-- Stable expressions and parameters are evaluated once per scan and shipped.
EXPLAIN (COSTS OFF)
SELECT count(*) FROM sf.opportunity WHERE created_date > now() - interval '100000 days';
SELECT count(*) FROM sf.opportunity WHERE created_date > now() - interval '100000 days';

-- Rescans. A correlated lookup by id (one rescan per outer row) reads its object whole once
-- its first keys have cost as many requests as that read (here 4 pages of 500 accounts),
-- instead of sending one query per outer row (it sent 630 here): the same answer as the local
-- copies give, in a handful of requests.
CREATE FOREIGN TABLE sf.account (id text, name text, industry text)
  SERVER emulator OPTIONS (object 'Account');
CREATE TEMP TABLE local_account AS SELECT * FROM sf.account;
CREATE TEMP TABLE local_opp AS SELECT id, account_id, amount FROM sf.opportunity;
SELECT sum(length((SELECT a.name FROM local_account a WHERE a.id = o.account_id))) AS local_answer,
       count(*) AS outer_rows
  FROM local_opp o WHERE o.amount > 480000;
\! python3 tests/emulator_log.py reset
SELECT sum(length((SELECT a.name FROM sf.account a WHERE a.id = o.account_id))) AS remote_answer
  FROM sf.opportunity o WHERE o.amount > 480000;
\! python3 tests/emulator_log.py soql | awk '/^query/ {q++} /^next-page/ {p = $3} END {print q " queries, " p " next-page requests"}'
SELECT explain($$SELECT sum(length((SELECT a.name FROM sf.account a WHERE a.id = o.account_id)))
  FROM sf.opportunity o WHERE o.amount > 480000$$, 'ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF');
-- With more pages than a Bulk API 2.0 job takes requests (10 pages of 200 accounts against 5),
-- the object is read whole through a job, once the first keys have cost as much.
ALTER SERVER emulator OPTIONS (SET batch_size '200');
\! python3 tests/emulator_log.py reset
SELECT sum(length((SELECT a.name FROM sf.account a WHERE a.id = o.account_id))) AS remote_answer
  FROM sf.opportunity o WHERE o.amount > 480000;
\! python3 tests/request_counts.py Account 22
ALTER SERVER emulator OPTIONS (SET batch_size '500');
-- The inner side of a nested loop whose SOQL does not change is read once.
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
\! python3 tests/emulator_log.py reset
SELECT g, count(*) FROM generate_series(1, 3) g,
  LATERAL (SELECT a.id FROM sf.account a WHERE a.industry = 'Energy' AND g > 0) s
 GROUP BY g ORDER BY g;
\! python3 tests/emulator_log.py soql
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
DROP FOREIGN TABLE sf.account;
