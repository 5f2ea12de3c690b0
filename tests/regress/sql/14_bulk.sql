-- Bulk API 2.0: a table option forces it, the server's bulk_threshold picks it for large
-- estimates; rows equal those of REST query pages; EXPLAIN says when it cannot be used.
\i tests/regress/sql/include/objects.sql
\set VERBOSITY default

CREATE TEMP TABLE rest_opportunity AS SELECT * FROM sf.opportunity;
ALTER FOREIGN TABLE sf.opportunity OPTIONS (ADD bulk 'on');
EXPLAIN (COSTS OFF) SELECT * FROM sf.opportunity WHERE amount > 1000;
\! python3 tests/emulator_log.py reset
CREATE TEMP TABLE bulk_opportunity AS SELECT * FROM sf.opportunity;
\! python3 tests/emulator_log.py requests
SELECT (SELECT count(*) FROM rest_opportunity) AS rest_rows,
       (SELECT count(*) FROM bulk_opportunity) AS bulk_rows;
SELECT count(*) AS only_in_bulk FROM (TABLE bulk_opportunity EXCEPT ALL TABLE rest_opportunity) x;
SELECT count(*) AS only_in_rest FROM (TABLE rest_opportunity EXCEPT ALL TABLE bulk_opportunity) x;
-- A read of one field keeps the records whose field is null (as a one-column CSV their lines
-- would be empty, which CSV readers skip: the query selects Id too).
SELECT explain('SELECT last_activity_date FROM sf.opportunity', 'COSTS OFF', 'SOQL');
CREATE TEMP TABLE one_field AS SELECT last_activity_date FROM sf.opportunity;
SELECT count(*) AS bulk_rows, count(*) - count(last_activity_date) > 0 AS some_null,
       (SELECT count(*) FROM rest_opportunity) AS rest_rows FROM one_field;
-- With a pushed filter and a relationship path.
ALTER FOREIGN TABLE sf.invoice OPTIONS (ADD bulk 'on');
SELECT count(*), count(account_name), sum(amount__c)
  FROM sf.invoice WHERE is_paid__c AND due_date__c >= date '2025-06-01';
ALTER FOREIGN TABLE sf.invoice OPTIONS (SET bulk 'off');
SELECT count(*), count(account_name), sum(amount__c)
  FROM sf.invoice WHERE is_paid__c AND due_date__c >= date '2025-06-01';

-- Where Bulk cannot serve the query, REST does, and EXPLAIN says why.
ALTER FOREIGN TABLE sf.invoice OPTIONS (SET bulk 'on');
EXPLAIN (COSTS OFF) SELECT name, location__c FROM sf.invoice;
EXPLAIN (COSTS OFF) SELECT id, close_date FROM sf.opportunity ORDER BY close_date DESC NULLS LAST LIMIT 3;
SELECT count(*) FILTER (WHERE location__c IS NOT NULL) > 0 AS locations_read FROM sf.invoice;

-- bulk 'auto' (the default) with the server's threshold: 10,000 estimated rows.
ALTER FOREIGN TABLE sf.opportunity OPTIONS (DROP bulk);
ALTER FOREIGN TABLE sf.invoice OPTIONS (DROP bulk);
EXPLAIN (COSTS OFF) SELECT name FROM sf.opportunity;
ALTER SERVER emulator OPTIONS (ADD bulk_threshold '5000');
EXPLAIN (COSTS OFF) SELECT name FROM sf.opportunity;
EXPLAIN (COSTS OFF) SELECT name FROM sf.opportunity WHERE fiscal_year = 2025 AND fiscal_quarter = 1;
ALTER SERVER emulator OPTIONS (DROP bulk_threshold);
ALTER FOREIGN TABLE sf.opportunity OPTIONS (ADD bulk 'sometimes');
