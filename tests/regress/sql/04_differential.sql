-- Differential test: WHERE pushdown never changes a result (DESIGN.md section 5).
-- Every generated WHERE clause (tests/differential/gen_predicates.py, seeded, built from the
-- emulator's data) runs against the foreign table and against a local copy of all of its rows;
-- the two results must be equal as multisets (EXCEPT ALL both ways) with equal row counts.
-- Then the emulator's request log shows that shippable conditions really reach Salesforce, and
-- EXPLAIN documents which conditions are shipped (SOQL) and which stay local (Filter).
\i tests/regress/sql/include/objects.sql
\getenv tmp SF_TEST_TMP
\set VERBOSITY terse
SET client_min_messages = warning;
-- The counts here read rows, so that the request log shows which rows each WHERE sent
-- (aggregates computed by Salesforce: 06_aggregates).
SET salesforce_fdw.aggregate_pushdown = off;

-- Local copies, read without any WHERE clause.
CREATE TABLE local_opportunity AS SELECT * FROM sf.opportunity;
CREATE TABLE local_invoice AS SELECT * FROM sf.invoice;
SELECT (SELECT count(*) FROM local_opportunity) AS opportunities,
       (SELECT count(*) FROM local_invoice) AS invoices;

CREATE TABLE diff_results (
  n serial PRIMARY KEY,
  grp text NOT NULL,
  tbl text NOT NULL,
  pred text NOT NULL,
  timezone text NOT NULL,
  remote_rows bigint,
  local_rows bigint,
  missing bigint,   -- rows of the local result the foreign result lacks
  extra bigint,     -- rows of the foreign result the local result lacks
  error text,
  started timestamptz DEFAULT clock_timestamp()  -- not shown: for profiling the test
);

-- One WHERE clause: foreign vs local, as multisets, both directions. Most clauses compare the
-- ids of the rows (the clause decides which rows, and id is the key); `whole` compares entire
-- rows (slower: every field is fetched), used for a sample of the clauses.
CREATE FUNCTION diff_check(tbl text, pred text, grp text, whole boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  r bigint; l bigint; missing bigint; extra bigint;
BEGIN
  EXECUTE format($q$
    WITH r AS MATERIALIZED (SELECT %4$s FROM sf.%1$I WHERE %2$s),
         l AS MATERIALIZED (SELECT %4$s FROM %3$I WHERE %2$s)
    SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM l),
           (SELECT count(*) FROM (SELECT * FROM l EXCEPT ALL SELECT * FROM r) x),
           (SELECT count(*) FROM (SELECT * FROM r EXCEPT ALL SELECT * FROM l) y)$q$,
    tbl, pred, 'local_' || tbl, CASE WHEN whole THEN '*' ELSE 'id' END)
  INTO r, l, missing, extra;
  INSERT INTO diff_results (grp, tbl, pred, timezone, remote_rows, local_rows, missing, extra)
  VALUES (grp, tbl, pred, current_setting('TimeZone'), r, l, missing, extra);
EXCEPTION WHEN OTHERS THEN
  INSERT INTO diff_results (grp, tbl, pred, timezone, error)
  VALUES (grp, tbl, pred, current_setting('TimeZone'), SQLERRM);
END
$fn$;

-- The results of a prepared statement (generic plan), already in diff_r (foreign) and diff_l.
CREATE FUNCTION diff_tables(tbl text, label text, grp text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  r bigint; l bigint; missing bigint; extra bigint;
BEGIN
  SELECT (SELECT count(*) FROM diff_r), (SELECT count(*) FROM diff_l),
         (SELECT count(*) FROM (SELECT * FROM diff_l EXCEPT ALL SELECT * FROM diff_r) x),
         (SELECT count(*) FROM (SELECT * FROM diff_r EXCEPT ALL SELECT * FROM diff_l) y)
  INTO r, l, missing, extra;
  INSERT INTO diff_results (grp, tbl, pred, timezone, remote_rows, local_rows, missing, extra)
  VALUES (grp, tbl, label, current_setting('TimeZone'), r, l, missing, extra);
END
$fn$;

-- LIMIT/OFFSET, optionally after ORDER BY. Without ORDER BY: the foreign query returns
-- LEAST(limit, matching - offset) rows, all of them matching rows. With ORDER BY: the
-- sequence of sort keys equals the local one (ties may pick different rows, never different
-- keys), and every returned row is a matching row.
CREATE FUNCTION diff_limit(tbl text, pred text, ord text, lim int, off int, grp text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  matching bigint; r bigint; strays bigint; keys text; r_keys text[]; l_keys text[];
  label text := pred || COALESCE(' ORDER BY ' || ord, '') || format(' LIMIT %s OFFSET %s', lim, off);
BEGIN
  EXECUTE format('SELECT count(*) FROM %I WHERE %s', 'local_' || tbl, pred) INTO matching;
  EXECUTE format($q$
    WITH r AS MATERIALIZED (SELECT id FROM sf.%1$I WHERE %2$s %4$s LIMIT %5$s OFFSET %6$s)
    SELECT (SELECT count(*) FROM r),
           (SELECT count(*) FROM (SELECT id FROM r EXCEPT ALL SELECT id FROM %3$I WHERE %2$s) x)$q$,
    tbl, pred, 'local_' || tbl, COALESCE('ORDER BY ' || ord, ''), lim, off)
  INTO r, strays;
  IF ord IS NOT NULL THEN
    keys := regexp_replace(ord, '\s+(asc|desc|nulls\s+first|nulls\s+last)\M', '', 'gi');
    EXECUTE format('SELECT ARRAY(SELECT row(%s)::text FROM sf.%I WHERE %s ORDER BY %s LIMIT %s OFFSET %s)',
                   keys, tbl, pred, ord, lim, off) INTO r_keys;
    EXECUTE format('SELECT ARRAY(SELECT row(%s)::text FROM %I WHERE %s ORDER BY %s LIMIT %s OFFSET %s)',
                   keys, 'local_' || tbl, pred, ord, lim, off) INTO l_keys;
  END IF;
  INSERT INTO diff_results (grp, tbl, pred, timezone, remote_rows, local_rows, missing, extra, error)
  VALUES (grp, tbl, label, current_setting('TimeZone'), r, GREATEST(0, LEAST(lim, matching - off)),
          0, strays,
          CASE WHEN r_keys IS DISTINCT FROM l_keys THEN 'ordered keys differ' END);
EXCEPTION WHEN OTHERS THEN
  INSERT INTO diff_results (grp, tbl, pred, timezone, error)
  VALUES (grp, tbl, label, current_setting('TimeZone'), SQLERRM);
END
$fn$;

-- The identity: with no WHERE clause both sides are the same rows.
SELECT diff_check('opportunity', 'true', 'identity', true);
SELECT diff_check('invoice', 'true', 'identity', true);

-- The generated clauses (their text would only clutter this file's output: see the generator).
\! python3 tests/differential/gen_predicates.py > "$SF_TEST_TMP/predicates.sql"
\set ECHO none
\o /dev/null
\i :tmp/predicates.sql
\o
\set ECHO all
RESET timezone;

-- How many clauses ran, by group, and how many of them did not agree (with their text).
SELECT count(*) >= 300 AS at_least_300, count(DISTINCT pred) >= 300 AS distinct_at_least_300
  FROM diff_results;
SELECT grp, count(*) > 0 AS ran,
       count(*) FILTER (WHERE error IS NOT NULL OR remote_rows IS DISTINCT FROM local_rows
                          OR missing <> 0 OR extra <> 0) AS mismatches
  FROM diff_results GROUP BY grp ORDER BY grp;
SELECT count(*) FILTER (WHERE error IS NOT NULL OR remote_rows IS DISTINCT FROM local_rows
                          OR missing <> 0 OR extra <> 0) AS mismatching_predicates
  FROM diff_results;
SELECT tbl, timezone, left(pred, 300) AS pred, remote_rows, local_rows, missing, extra,
       left(error, 300) AS error
  FROM diff_results
 WHERE error IS NOT NULL OR remote_rows IS DISTINCT FROM local_rows OR missing <> 0 OR extra <> 0
 ORDER BY n;
-- The clauses did select something: many match some rows, many match none, many all but some.
SELECT count(*) FILTER (WHERE local_rows > 0) > 200 AS some_hit_rows,
       count(*) FILTER (WHERE local_rows = 0) > 50 AS some_match_nothing
  FROM diff_results;

-- Shipping: for fully shippable conditions Salesforce sends exactly the matching rows (the
-- records of the query and its next pages, from the emulator's request log); a condition
-- that cannot be shipped is not in the SOQL, so every row is sent and filtered here.
CREATE TEMP TABLE shipped (i serial, label text, rows bigint);
\! python3 tests/emulator_log.py reset
INSERT INTO shipped (label, rows) SELECT 'amount > 100000 and close_date >= 2025-01-01', count(*)
  FROM sf.opportunity WHERE amount > 100000 AND close_date >= date '2025-01-01';
INSERT INTO shipped (label, rows) SELECT 'not is_closed', count(*)
  FROM sf.opportunity WHERE NOT is_closed;
INSERT INTO shipped (label, rows) SELECT 'is_won = false and fiscal_quarter <> 4', count(*)
  FROM sf.opportunity WHERE is_won = false AND fiscal_quarter <> 4;
INSERT INTO shipped (label, rows) SELECT 'created_date >= 2025-03-01 00:00+00 and amount is null', count(*)
  FROM sf.opportunity WHERE created_date >= '2025-03-01 00:00:00+00' AND amount IS NULL;
INSERT INTO shipped (label, rows) SELECT 'line_count__c in (1, 2, 3) and is_paid__c', count(*)
  FROM sf.invoice WHERE line_count__c IN (1, 2, 3) AND is_paid__c;
INSERT INTO shipped (label, rows) SELECT 'lower(name) = acme - hardware #4', count(*)
  FROM sf.opportunity WHERE lower(name) = 'acme - hardware #4';
\! python3 tests/emulator_log.py queries > "$SF_TEST_TMP/queries.json"
\set queries_file :tmp '/queries.json'
CREATE TEMP TABLE sent AS
  SELECT i, e->>'soql' AS soql, (e->>'records')::bigint AS records
    FROM jsonb_array_elements(pg_read_file(:'queries_file')::jsonb) WITH ORDINALITY AS t(e, i);
SELECT (SELECT count(*) FROM sent) = (SELECT count(*) FROM shipped) AS one_query_each;
SELECT s.label, s.rows, q.records AS records_sent, s.rows = q.records AS only_matching_rows_sent,
       q.soql
  FROM shipped s JOIN sent q USING (i) ORDER BY i;

-- Which conditions are shipped (SOQL) and which stay local (Filter).
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE amount > 100000 AND close_date >= date '2025-01-01' AND NOT is_closed;
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE stage_name = 'Closed Won' AND name LIKE 'Acme%' AND lower(name) <> 'x';
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE stage_name <> 'Closed Won' OR name < 'M';
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE created_date >= '2025-03-01 12:00:00.0005+00' AND created_date < '2025-03-02 00:00+05:30';
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE amount IN (1, 2, NULL) AND fiscal_year NOT IN (2024) AND close_date = ANY('{}'::date[]);
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity WHERE stage_name IN ('Closed Won', '')
  AND stage_name NOT IN ('Prospecting') AND type IS NULL AND amount IS NOT NULL;
EXPLAIN (COSTS OFF) SELECT id FROM sf.invoice
  WHERE memo__c LIKE E'50\\%\\_d%' AND memo__c ILIKE '%zürich%' AND memo__c = 'O''Brien\';
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE (is_won OR amount > 5) AND (is_closed OR lower(name) = 'x');
EXPLAIN (COSTS OFF) SELECT id FROM sf.opportunity
  WHERE created_date > now() - interval '10000 days';
EXPLAIN (COSTS OFF) SELECT id, amount FROM sf.opportunity WHERE is_won
  ORDER BY amount DESC NULLS LAST LIMIT 5;
SET plan_cache_mode = force_generic_plan;
PREPARE p(numeric, text) AS SELECT id FROM sf.opportunity WHERE amount > $1 AND stage_name = $2;
EXPLAIN (COSTS OFF) EXECUTE p(100000, 'Closed Won');
DEALLOCATE p;
RESET plan_cache_mode;
