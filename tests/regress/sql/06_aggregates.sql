-- Aggregate pushdown (issue 14): GROUP BY and aggregates computed by Salesforce when, and only
-- when, the result is exactly what Postgres computes from the rows. The multi-currency org
-- of the emulator behaves like a real one (SALESFORCE.md 12.1, 12.2, 12.15): text groups
-- case-insensitively, currency aggregates come back in the corporate currency, numbers carry
-- more decimals than their scale, GROUP BY answers stop at 2,000 rows.
\i tests/regress/sql/include/objects.sql
\getenv tmp SF_TEST_TMP
\set VERBOSITY terse
SET client_min_messages = warning;

-- What is shipped, and what stays local and why (EXPLAIN VERBOSE).
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT currency_iso_code, count(*), min(close_date), max(close_date)
  FROM sf.opportunity GROUP BY 1;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT owner_id, count(*), avg(fiscal_quarter) FROM sf.opportunity WHERE is_closed GROUP BY 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM sf.opportunity WHERE is_won;
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT fiscal_year, count(*) + 1, sum(fiscal_quarter) FROM sf.opportunity
  GROUP BY fiscal_year HAVING count(*) > 10 ORDER BY 2 DESC;
-- Stay local: an unrestricted picklist groups case-insensitively in Salesforce; currency
-- aggregates of a multi-currency org are converted; a numeric sum loses its display scale;
-- a condition Salesforce only narrows.
EXPLAIN (VERBOSE, COSTS OFF) SELECT stage_name, count(*) FROM sf.opportunity GROUP BY 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT max(amount) FROM sf.opportunity;
EXPLAIN (VERBOSE, COSTS OFF) SELECT sum(probability) FROM sf.opportunity;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM sf.opportunity WHERE name LIKE 'A%';
-- A count alone is COUNT(), answered by totalSize; no row can match (no datetime of
-- Salesforce has microseconds): nothing is sent, and the aggregate still answers its one row.
\! python3 tests/emulator_log.py reset
SELECT count(*), count(close_date), max(close_date), sum(fiscal_quarter) FROM sf.opportunity
 WHERE created_date = '2024-01-01 00:00:00.000001+00';
SELECT count(*) FROM sf.opportunity WHERE created_date = '2024-01-01 00:00:00.000001+00';
SELECT count(*) > 0 AS some FROM sf.opportunity;
\! python3 tests/emulator_log.py soql

-- The queries of the issue: requests of each statement, and the SOQL Salesforce received.
\! python3 tests/emulator_log.py reset
SELECT count(*) > 0 AS some FROM sf.opportunity WHERE is_won;
SELECT count(*) AS groups, sum(n) AS rows FROM (
  SELECT owner_id, count(*) AS n, avg(fiscal_quarter) FROM sf.opportunity WHERE is_closed GROUP BY 1) g;
SELECT currency_iso_code, count(*) > 0 AS some, min(close_date) <= max(close_date) AS ordered
  FROM sf.opportunity GROUP BY 1 ORDER BY 1;
\! python3 tests/emulator_log.py soql

-- The same statement, planned once and run again (generic plan), gives the same answer.
SET plan_cache_mode = force_generic_plan;
PREPARE by_currency AS
  SELECT currency_iso_code, count(*), max(close_date) FROM sf.opportunity GROUP BY 1 ORDER BY 1;
CREATE TEMP TABLE first_run AS EXECUTE by_currency;
CREATE TEMP TABLE second_run AS EXECUTE by_currency;
SELECT count(*) AS differing FROM ((TABLE first_run EXCEPT TABLE second_run)
  UNION ALL (TABLE second_run EXCEPT TABLE first_run)) d;
DEALLOCATE by_currency;
RESET plan_cache_mode;

-- More groups than one answer holds: Salesforce refuses (or cuts the answer at 2,000 rows),
-- and Postgres aggregates the rows itself, with the same result.
\! python3 tests/emulator_log.py reset
SELECT count(*) AS groups, sum(n) AS rows FROM (
  SELECT id, count(*) AS n FROM sf.opportunity GROUP BY id) g;
\! python3 tests/emulator_log.py soql
SELECT explain('SELECT id, count(*) FROM sf.invoice GROUP BY id', 'ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF');
-- With HAVING sent too, Salesforce answers fewer groups than its limit: no fallback.
SELECT explain('SELECT id, count(*) FROM sf.invoice GROUP BY id HAVING count(*) > 1', 'ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF');
SELECT explain('SELECT account_id, count(*) FROM sf.invoice GROUP BY 1 HAVING count(*) >= 3 AND max(due_date__c) > ''2025-01-01''', 'VERBOSE, COSTS OFF', 'SOQL');
SELECT count(*) AS groups, sum(n) AS invoices FROM (SELECT account_id, count(*) AS n FROM sf.invoice
  GROUP BY 1 HAVING count(*) >= 3 AND max(due_date__c) > '2025-01-01') g;
SET salesforce_fdw.aggregate_pushdown = off;
SELECT count(*) AS groups, sum(n) AS invoices FROM (SELECT account_id, count(*) AS n FROM sf.invoice
  GROUP BY 1 HAVING count(*) >= 3 AND max(due_date__c) > '2025-01-01') g;
RESET salesforce_fdw.aggregate_pushdown;
-- A query Salesforce gives up on (QUERY_TIMEOUT) is computed here too, with a NOTICE.
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"aggregate_timeout_rows": 100}'
SET client_min_messages = notice;
SELECT is_won, count(*) > 0 AS some FROM sf.opportunity GROUP BY 1 ORDER BY 1;
SET client_min_messages = warning;
\! curl -s -o /dev/null -X DELETE "$SF_EMULATOR_URL/__emulator/faults"

-- A column whose values the user knows never differ only in case may group in Salesforce.
ALTER FOREIGN TABLE sf.opportunity ALTER COLUMN stage_name OPTIONS (ADD group_exact 'true');
EXPLAIN (VERBOSE, COSTS OFF) SELECT stage_name, count(*) FROM sf.opportunity GROUP BY 1;
ALTER FOREIGN TABLE sf.opportunity ALTER COLUMN stage_name OPTIONS (DROP group_exact);
-- A date column reading a datetime field shows each instant's day: counting distinct days
-- stays here (Salesforce would count distinct instants), and gives Postgres's answer.
CREATE FOREIGN TABLE sf.opp_days (id text, created_day date OPTIONS (field 'CreatedDate'))
  SERVER emulator OPTIONS (object 'Opportunity');
SELECT explain('SELECT count(DISTINCT created_day) FROM sf.opp_days', 'VERBOSE, COSTS OFF', 'SOQL|Aggregates');
SELECT (SELECT count(DISTINCT created_day) FROM sf.opp_days)
     = (SELECT count(DISTINCT (created_date AT TIME ZONE 'UTC')::date) FROM sf.opportunity)
       AS same_as_local;
DROP FOREIGN TABLE sf.opp_days;
-- and a user can turn pushdown off.
SET salesforce_fdw.aggregate_pushdown = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf.opportunity WHERE is_won;
RESET salesforce_fdw.aggregate_pushdown;

-- The differential test: generated aggregate queries (tests/differential/gen_aggregates.py)
-- against local copies of all rows, compared as text (display scale included).
CREATE TEMP TABLE local_opportunity AS SELECT * FROM sf.opportunity;
CREATE TEMP TABLE local_invoice AS SELECT * FROM sf.invoice;
CREATE TEMP TABLE local_won_opportunity AS SELECT * FROM sf.won_opportunity;
CREATE TEMP TABLE agg_results (
  n serial PRIMARY KEY,
  grp text NOT NULL,
  query text NOT NULL,
  pushed boolean,
  remote_rows bigint,
  local_rows bigint,
  missing bigint,
  extra bigint,
  error text
);
CREATE FUNCTION agg_check(query text, grp text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  plan text; c record;
BEGIN
  EXECUTE 'EXPLAIN (VERBOSE, FORMAT JSON) ' || query INTO plan;
  SELECT * INTO c FROM compare_results(query, regexp_replace(query, '\msf\.', 'local_', 'g'));
  INSERT INTO agg_results (grp, query, pushed, remote_rows, local_rows, missing, extra)
  VALUES (grp, query, plan NOT LIKE '%"Node Type": "Aggregate"%', c.remote_rows, c.local_rows, c.missing, c.extra);
EXCEPTION WHEN OTHERS THEN
  INSERT INTO agg_results (grp, query, error) VALUES (grp, query, SQLERRM);
END $fn$;
\! python3 tests/differential/gen_aggregates.py > "$SF_TEST_TMP/aggregates.sql"
\set ECHO none
\o /dev/null
\i :tmp/aggregates.sql
\o
\set ECHO all
SELECT grp, count(*) AS queries, count(*) FILTER (WHERE pushed) AS computed_by_salesforce,
       count(*) FILTER (WHERE missing + extra > 0) AS differing,
       count(*) FILTER (WHERE error IS NOT NULL) AS errors
  FROM agg_results GROUP BY grp ORDER BY grp;
-- Nothing differs; any query that did is listed here.
SELECT query, remote_rows, local_rows, missing, extra, error FROM agg_results
 WHERE missing + extra > 0 OR error IS NOT NULL ORDER BY n;
DROP FUNCTION agg_check(text, text);
