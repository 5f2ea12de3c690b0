-- What real orgs do that a simple server does not (SALESFORCE.md section 12), and the FDW right
-- on each: against the main emulator (on-by-default behaviours: multi-currency, decimals beyond
-- scale, exponent numbers, NUL bytes, objects Bulk refuses or that need a filter, retired API
-- versions) and against one with the settings of a strict org (refresh-token rotation, Bulk
-- results only as text/csv, a 700-field object). Self-contained: its own servers and tables.
\getenv main_url SF_EMULATOR_URL
\getenv strict_url SF_STRICT_EMULATOR_URL
\getenv tmp SF_TEST_TMP
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS salesforce_fdw;
RESET client_min_messages;
CREATE SERVER realorg FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'main_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER realorg
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA realorg;

-------------------------------------------------------------------------------------------------
-- Multi-currency: ORDER BY a currency field is never sent (Salesforce sorts by the converted
-- amount), and the largest amounts are the largest numbers; converted amounts on request.
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity, "CurrencyType") FROM SERVER realorg
  INTO realorg OPTIONS (converted_currency 'true');
SELECT iso_code, conversion_rate, is_corporate FROM realorg.currency_type ORDER BY iso_code;
EXPLAIN (COSTS OFF)
SELECT name, amount FROM realorg.opportunity ORDER BY amount DESC NULLS LAST LIMIT 5;
CREATE TEMP TABLE opp AS SELECT * FROM realorg.opportunity;
SELECT (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM realorg.opportunity
          ORDER BY amount DESC NULLS LAST, id LIMIT 5) r)
     = (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM opp
          ORDER BY amount DESC NULLS LAST, id LIMIT 5) l) AS top_five_as_computed_locally;
SELECT count(*) FILTER (WHERE currency_iso_code = 'JPY') AS yen_deals_in_top_ten
  FROM (SELECT * FROM opp ORDER BY amount DESC NULLS LAST LIMIT 10) t;
-- Salesforce's own order of the same query (converted amounts) is a different one.
\! python3 tests/real_org.py converted-order-differs
-- amount_converted reads convertCurrency(Amount): the amount in the user's currency (USD).
SELECT a.attname, array_to_string(a.attfdwoptions, ',') AS options
  FROM pg_attribute a WHERE a.attrelid = 'realorg.opportunity'::regclass
   AND a.attname IN ('amount', 'amount_converted', 'expected_revenue_converted') ORDER BY a.attnum;
SELECT count(*) AS rows_checked,
       count(*) FILTER (WHERE o.amount_converted = round(o.amount / c.conversion_rate, 2)) AS converted_right
  FROM opp o JOIN realorg.currency_type c ON c.iso_code = o.currency_iso_code
 WHERE o.amount IS NOT NULL AND o.amount = round(o.amount, 2);
EXPLAIN (COSTS OFF) SELECT amount, amount_converted FROM realorg.opportunity WHERE is_won;

-------------------------------------------------------------------------------------------------
-- Numbers as Salesforce holds them: more decimals than describe's scale, exponent forms.
\! python3 tests/real_org.py expected-decimals "$SF_TEST_TMP/decimals.csv"
\! python3 tests/real_org.py expected-exponents "$SF_TEST_TMP/exponents.csv"
CREATE TEMP TABLE expected_decimals (id text, amount numeric);
CREATE TEMP TABLE expected_exponents (id text, annual_revenue numeric);
\set decimals_file :tmp '/decimals.csv'
\set exponents_file :tmp '/exponents.csv'
COPY expected_decimals FROM :'decimals_file' (FORMAT csv);
COPY expected_exponents FROM :'exponents_file' (FORMAT csv);
SELECT count(*) > 0 AS some, count(*) FILTER (WHERE o.amount = e.amount) = count(*) AS all_exact
  FROM expected_decimals e JOIN opp o USING (id);
CREATE FOREIGN TABLE realorg.account (id text, annual_revenue numeric)
  SERVER realorg OPTIONS (object 'Account');
SELECT count(*) > 0 AS some, count(*) FILTER (WHERE a.annual_revenue = e.annual_revenue) = count(*) AS all_exact
  FROM expected_exponents e JOIN realorg.account a USING (id);
ALTER FOREIGN TABLE realorg.account OPTIONS (ADD bulk 'on');
SELECT count(*) FILTER (WHERE a.annual_revenue = e.annual_revenue) = count(*) AS bulk_exact_too
  FROM expected_exponents e JOIN realorg.account a USING (id);
-- A hand-written numeric(18,2) column shows amounts rounded: a condition on it is widened by
-- half a cent for Salesforce and rechecked here, so a stored 237.631 shown as 237.63 matches
-- `= 237.63` as it would locally.
CREATE FOREIGN TABLE realorg.opportunity_cents (id text, amount numeric(18,2))
  SERVER realorg OPTIONS (object 'Opportunity');
CREATE TEMP TABLE opp_cents AS SELECT * FROM realorg.opportunity_cents;
SELECT count(*) AS rounded_rows FROM opp_cents c JOIN expected_decimals e USING (id)
 WHERE c.amount <> e.amount;
CREATE FUNCTION cents_differences() RETURNS TABLE (op text, checked bigint, differing bigint)
LANGUAGE plpgsql AS $$
DECLARE v numeric; o text; r bigint; l bigint; n bigint := 0; bad bigint := 0;
BEGIN
  FOREACH o IN ARRAY ARRAY['=', '<>', '<', '<=', '>', '>='] LOOP
    n := 0; bad := 0;
    FOR v IN SELECT c.amount FROM opp_cents c JOIN expected_decimals e USING (id) ORDER BY id LIMIT 15 LOOP
      EXECUTE format('SELECT count(*) FROM realorg.opportunity_cents WHERE amount %s %s', o, v) INTO r;
      EXECUTE format('SELECT count(*) FROM opp_cents WHERE amount %s %s', o, v) INTO l;
      n := n + 1;
      IF r <> l THEN bad := bad + 1; END IF;
    END LOOP;
    op := o; checked := n; differing := bad;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM cents_differences();
EXPLAIN (COSTS OFF) SELECT id FROM realorg.opportunity_cents WHERE amount = 237.63;
-- An integer column over a number field holding a fraction is an error naming both.
CREATE FOREIGN TABLE realorg.invoice_counts (id text, line_count__c bigint)
  SERVER realorg OPTIONS (object 'Invoice__c');
SELECT sum(line_count__c) FROM realorg.invoice_counts;

-- Addresses of an org with state and country picklists carry their codes too.
CREATE FOREIGN TABLE realorg.account_address (id text, billing_address jsonb,
  billing_country_code text, billing_state_code text) SERVER realorg OPTIONS (object 'Account');
SELECT count(*) > 0 AS some_with_codes,
       count(*) FILTER (WHERE billing_address->>'countryCode' = billing_country_code
                          AND billing_address->>'stateCode' IS NOT DISTINCT FROM billing_state_code)
         = count(*) AS codes_match_components
  FROM realorg.account_address WHERE billing_address IS NOT NULL;
SELECT billing_country_code, count(*) FROM realorg.account_address
 WHERE billing_country_code IN ('US', 'JP') GROUP BY 1 ORDER BY 1;

-------------------------------------------------------------------------------------------------
-- NUL bytes: Salesforce text can hold U+0000, Postgres text cannot; it is dropped, the rest kept,
-- through REST pages and Bulk CSV alike.
\! python3 tests/real_org.py expected-nul "$SF_TEST_TMP/nul.csv"
CREATE TEMP TABLE expected_nul (id text, memo text);
\set nul_file :tmp '/nul.csv'
COPY expected_nul FROM :'nul_file' (FORMAT csv);
CREATE FOREIGN TABLE realorg.invoice_memo (id text, memo__c text, location__c jsonb)
  SERVER realorg OPTIONS (object 'Invoice__c');
SELECT count(*) > 0 AS some, count(*) FILTER (WHERE i.memo__c = e.memo) = count(*) AS rest_of_text_kept
  FROM expected_nul e JOIN realorg.invoice_memo i USING (id);
CREATE FOREIGN TABLE realorg.invoice_memo_bulk (id text, memo__c text)
  SERVER realorg OPTIONS (object 'Invoice__c', bulk 'on');
SELECT count(*) FILTER (WHERE i.memo__c = e.memo) = count(*) AS bulk_too
  FROM expected_nul e JOIN realorg.invoice_memo_bulk i USING (id);
-- So text conditions also take the values holding NUL (what Salesforce compares still has it);
-- a server whose org is known to hold none says so, and its conditions go without that.
EXPLAIN (COSTS OFF) SELECT id FROM realorg.invoice_memo WHERE memo__c = 'ASCII only memo';
ALTER SERVER realorg OPTIONS (ADD text_may_hold_nul 'false');
EXPLAIN (COSTS OFF) SELECT id FROM realorg.invoice_memo WHERE memo__c = 'ASCII only memo';
ALTER SERVER realorg OPTIONS (DROP text_may_hold_nul);

-------------------------------------------------------------------------------------------------
-- Objects: one that needs a filter says so at IMPORT and in its error; one Bulk refuses falls
-- back to REST pages in bulk 'auto' (with a NOTICE) and is a clear error in bulk 'on'.
IMPORT FOREIGN SCHEMA salesforce LIMIT TO ("ContentDocumentLink", "TaskStatus")
  FROM SERVER realorg INTO realorg;
SELECT count(*) FROM realorg.content_document_link;
\! python3 tests/emulator_log.py dump ContentDocumentLink "$SF_TEST_TMP/links.json"
\set links_file :tmp '/links.json'
SELECT min(x->>'LinkedEntityId') AS entity FROM jsonb_array_elements(pg_read_file(:'links_file')::jsonb) x \gset
SELECT count(*) > 0 AS links_of_one_record FROM realorg.content_document_link
 WHERE linked_entity_id = :'entity';
-- (The counts below read rows: Salesforce's Bulk API never computes aggregates.)
SET salesforce_fdw.aggregate_pushdown = off;
ALTER FOREIGN TABLE realorg.task_status OPTIONS (ADD bulk 'on');
SELECT count(*) FROM realorg.task_status;
ALTER SERVER realorg OPTIONS (ADD bulk_threshold '0');
ALTER FOREIGN TABLE realorg.task_status OPTIONS (SET bulk 'auto');
SELECT count(*) FROM realorg.task_status;
-- A job that fails, and one that outlasts the server's bulk_timeout_ms.
CREATE FOREIGN TABLE realorg.account_names (id text, name text)
  SERVER realorg OPTIONS (object 'Account');
\! python3 tests/real_org.py fail-next-job 'InternalServerError : Failed to process query'
SELECT count(*) FROM realorg.account_names;
ALTER FOREIGN TABLE realorg.account_names OPTIONS (ADD bulk 'on');
\! python3 tests/real_org.py fail-next-job 'InternalServerError : Failed to process query'
SELECT count(*) FROM realorg.account_names;
ALTER SERVER realorg OPTIONS (ADD bulk_timeout_ms '100');
SELECT count(*) FROM realorg.account_names;
ALTER FOREIGN TABLE realorg.account_names OPTIONS (SET bulk 'auto');
SELECT count(*) FROM realorg.account_names;
ALTER SERVER realorg OPTIONS (DROP bulk_timeout_ms, DROP bulk_threshold);
-- A job creation whose answer is lost on the way: the job Salesforce made all the same is found
-- and deleted before the creation is tried again, so no job is left behind.
ALTER FOREIGN TABLE realorg.account_names OPTIONS (SET bulk 'on');
-- (planned once first: the server changed, so planning asks describe again)
\o /dev/null
EXPLAIN SELECT count(*) FROM realorg.account_names;
\o
\! python3 tests/emulator_log.py reset
\! python3 tests/real_org.py fault-after 0 0 lost_answer
SELECT count(*) FROM realorg.account_names;
\! python3 tests/emulator_log.py requests
\! python3 tests/real_org.py jobs-left Account
ALTER FOREIGN TABLE realorg.account_names OPTIONS (SET bulk 'auto');
RESET salesforce_fdw.aggregate_pushdown;
\! python3 tests/emulator_log.py reset

-------------------------------------------------------------------------------------------------
-- Transient answers are retried: the edge's 420 and 406 (HTML pages), the concurrent-request
-- limit; the daily allowance is not (11_governor).
\! python3 tests/real_org.py fault-after 0 420
\! python3 tests/real_org.py fault-after 0 406
\! python3 tests/real_org.py fault-after 0 403 concurrent
SELECT count(*) FROM realorg.account_names;
\! python3 tests/real_org.py statuses

-------------------------------------------------------------------------------------------------
-- API versions: a current default, 'latest' asks the org, a retired one is a clear error.
\! python3 tests/emulator_log.py reset
SELECT count(*) FROM realorg.task_status;
\! python3 tests/real_org.py paths
ALTER SERVER realorg OPTIONS (ADD api_version 'latest');
SELECT count(*) FROM realorg.task_status;
\! python3 tests/real_org.py paths
ALTER SERVER realorg OPTIONS (SET api_version 'v30.0');
SELECT count(*) FROM realorg.task_status;
ALTER SERVER realorg OPTIONS (DROP api_version);

-------------------------------------------------------------------------------------------------
-- Credentials never travel over plain http to another machine.
CREATE SERVER remote_http FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url 'http://login.salesforce.com', client_id 'x');
CREATE SERVER remote_http FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (instance_url 'http://10.1.2.3:8080', client_id 'x');
ALTER USER MAPPING FOR CURRENT_USER SERVER realorg OPTIONS (ADD instance_url 'http://192.168.0.7');

-------------------------------------------------------------------------------------------------
-- Formula fields change without SystemModstamp moving: a snapshot knows its formula columns,
-- an incremental refresh says they can be stale, mode 'formulas' re-reads only Id and them.
IMPORT FOREIGN SCHEMA salesforce LIMIT TO ("Invoice__c") FROM SERVER realorg INTO realorg;
SELECT attname, array_to_string(attfdwoptions, ',') AS options FROM pg_attribute
 WHERE attrelid = 'realorg.invoice__c'::regclass AND 'formula=true' = ANY (attfdwoptions);
CREATE SCHEMA realorg_snap;
CALL salesforce_fdw.refresh('realorg.invoice__c', 'realorg_snap.invoice', quiet => true);
SELECT formula_columns, last_formula_refresh IS NOT NULL AS formulas_read
  FROM salesforce_fdw.snapshots WHERE target = 'realorg_snap.invoice';
SELECT account__c AS acct, count(*) AS invoices_of_acct FROM realorg_snap.invoice
 WHERE account__c IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1 \gset
\setenv ACCT :acct
\! python3 tests/real_org.py rename-account "$ACCT" 'Renamed by 17_real_org'
\set VERBOSITY terse
CALL salesforce_fdw.refresh('realorg.invoice__c', 'realorg_snap.invoice');
\set VERBOSITY default
SELECT count(*) FILTER (WHERE account_name__c = 'Renamed by 17_real_org') AS renamed_in_snapshot
  FROM realorg_snap.invoice WHERE account__c = :'acct';
\! python3 tests/emulator_log.py reset
CALL salesforce_fdw.refresh('realorg.invoice__c', 'realorg_snap.invoice', mode => 'formulas', quiet => true);
\! python3 tests/emulator_log.py soql
SELECT count(*) FILTER (WHERE account_name__c = 'Renamed by 17_real_org') = :invoices_of_acct AS renamed_in_snapshot
  FROM realorg_snap.invoice WHERE account__c = :'acct';
SELECT mode, status, rows_upserted = :invoices_of_acct AS changed_rows_only
  FROM salesforce_fdw.refresh_runs WHERE target = 'realorg_snap.invoice' ORDER BY run_id;
CREATE TEMP TABLE invoice_now AS SELECT * FROM realorg.invoice__c;
SELECT (SELECT count(*) FROM (TABLE realorg_snap.invoice EXCEPT ALL TABLE invoice_now) x) AS only_snapshot,
       (SELECT count(*) FROM (TABLE invoice_now EXCEPT ALL TABLE realorg_snap.invoice) x) AS only_salesforce;
CALL salesforce_fdw.refresh('realorg.opportunity', 'realorg_snap.opportunity', mode => 'formulas');

-------------------------------------------------------------------------------------------------
-- A strict org: refresh-token rotation, Bulk results only with Accept: text/csv, and an object
-- of 700 fields.
CREATE SERVER strict FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'strict_url', client_id 'sf-emulator-client', batch_size '200');
CREATE USER MAPPING FOR CURRENT_USER SERVER strict
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA strict;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity, "Wide__c") FROM SERVER strict INTO strict;
SELECT count(*) > 700 AS wide_columns FROM pg_attribute
 WHERE attrelid = 'strict.wide__c'::regclass AND attnum > 0;

-- Rotation: three new backends at once, then again after every session expired; each gets the
-- rows, the org saw refresh grants, and the token of the user mapping is spent (rotated).
\setenv PGDATABASE :DBNAME
\! for i in 1 2 3; do psql -X -A -t -c 'SELECT count(*) FROM strict.opportunity' > "$SF_TEST_TMP/rot$i.out" 2>&1 & done; wait; cat "$SF_TEST_TMP"/rot?.out | sort | uniq -c | sed 's/^ *//'
\! curl -s -o /dev/null -X POST "$SF_STRICT_EMULATOR_URL/__emulator/expire-sessions"
\! for i in 1 2 3; do psql -X -A -t -c 'SELECT count(*) FROM strict.opportunity' > "$SF_TEST_TMP/rot$i.out" 2>&1 & done; wait; cat "$SF_TEST_TMP"/rot?.out | sort | uniq -c | sed 's/^ *//'
-- A rolled-back statement's new token is kept all the same.
\! curl -s -o /dev/null -X POST "$SF_STRICT_EMULATOR_URL/__emulator/expire-sessions"
BEGIN;
SELECT count(*) FROM strict.opportunity;
ROLLBACK;
\! psql -X -A -t -c 'SELECT count(*) FROM strict.opportunity'
\! python3 tests/real_org.py --url "$SF_STRICT_EMULATOR_URL" stat refreshGrants
\! python3 tests/real_org.py --url "$SF_STRICT_EMULATOR_URL" grant sf-emulator-refresh
-- The newest token lives in the data directory, readable by the server's OS user only.
SELECT count(*) > 0 AS chains FROM pg_ls_dir('salesforce_fdw') f WHERE f LIKE 'chain-%.json';
SELECT bool_and((pg_stat_file('salesforce_fdw/' || f)).size > 0) AS written
  FROM pg_ls_dir('salesforce_fdw') f WHERE f LIKE 'chain-%.json';
\! stat -c '%a' "$(psql -X -A -t -c 'SHOW data_directory')/salesforce_fdw" "$(psql -X -A -t -c 'SHOW data_directory')"/salesforce_fdw/chain-*.json | sort -u
SELECT umoptions FROM pg_user_mappings WHERE srvname = 'strict';

-- Bulk results with Accept: text/csv (the org refuses others with 406).
CREATE FOREIGN TABLE strict.opportunity_bulk (id text, amount numeric, stage_name text)
  SERVER strict OPTIONS (object 'Opportunity', bulk 'on');
SELECT count(*) FROM strict.opportunity_bulk;
-- Its results come as pages of 500 records, which resultPages (v58.0+) lists five at a time:
-- they are downloaded bulk_parallelism (4) at once, and the rows equal a REST read; with one
-- at a time, or an API version without resultPages, the pages are read by locator.
CREATE FOREIGN TABLE strict.opportunity_rest (id text, amount numeric, stage_name text)
  SERVER strict OPTIONS (object 'Opportunity', bulk 'off');
CREATE TEMP TABLE opp_rest AS SELECT * FROM strict.opportunity_rest;
\setenv SF_EMULATOR_URL :strict_url
\! python3 tests/emulator_log.py reset
CREATE TEMP TABLE opp_parallel AS SELECT * FROM strict.opportunity_bulk;
\! python3 tests/real_org.py request-summary | grep -v 'jobs/query/<job> 200$'
ALTER SERVER strict OPTIONS (ADD bulk_parallelism '1');
\! python3 tests/emulator_log.py reset
CREATE TEMP TABLE opp_one_by_one AS SELECT * FROM strict.opportunity_bulk;
\! python3 tests/real_org.py request-summary | grep -E 'results|resultPages'
ALTER SERVER strict OPTIONS (SET bulk_parallelism '4', ADD api_version 'v57.0');
CREATE TEMP TABLE opp_by_locator AS SELECT * FROM strict.opportunity_bulk;
ALTER SERVER strict OPTIONS (DROP bulk_parallelism, DROP api_version);
\setenv SF_EMULATOR_URL :main_url
SELECT (SELECT count(*) FROM opp_parallel) AS parallel_rows,
       (SELECT count(*) FROM (TABLE opp_parallel EXCEPT ALL TABLE opp_rest) x)
     + (SELECT count(*) FROM (TABLE opp_rest EXCEPT ALL TABLE opp_parallel) x) AS parallel_differences,
       (SELECT count(*) FROM (TABLE opp_one_by_one EXCEPT ALL TABLE opp_rest) x)
     + (SELECT count(*) FROM (TABLE opp_rest EXCEPT ALL TABLE opp_one_by_one) x) AS one_by_one_differences,
       (SELECT count(*) FROM (TABLE opp_by_locator EXCEPT ALL TABLE opp_rest) x)
     + (SELECT count(*) FROM (TABLE opp_rest EXCEPT ALL TABLE opp_by_locator) x) AS by_locator_differences;

-- The 700-field object: SELECT * would put more than 16 KB in the URL (the edge answers 431),
-- so REST reads are split into queries joined by Id; the rows equal a Bulk read (one job).
\! python3 tests/real_org.py --url "$SF_STRICT_EMULATOR_URL" long-request 17000
\! python3 tests/real_org.py --url "$SF_STRICT_EMULATOR_URL" long-request 16000
CREATE FUNCTION explain_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    -- The SOQL of 700 fields is long: its length, not its text.
    RETURN NEXT CASE WHEN line LIKE '%SOQL: %' THEN format('   SOQL: %s characters', length(line) - 9)
                     ELSE line END;
  END LOOP;
END $$;
SELECT * FROM explain_lines('SELECT * FROM strict.wide__c');
\setenv SF_EMULATOR_URL :strict_url
\! python3 tests/emulator_log.py reset
CREATE TEMP TABLE wide_rest AS SELECT * FROM strict.wide__c;
\! python3 tests/emulator_log.py soql | sed -E 's/SELECT Id, .* FROM Wide__c/SELECT Id, ... FROM Wide__c/'
\! python3 tests/real_org.py --url "$SF_STRICT_EMULATOR_URL" statuses
ALTER FOREIGN TABLE strict.wide__c OPTIONS (ADD bulk 'on');
CREATE TEMP TABLE wide_bulk AS SELECT * FROM strict.wide__c;
SELECT (SELECT count(*) FROM wide_rest) AS rest_rows, (SELECT count(*) FROM wide_bulk) AS bulk_rows,
       (SELECT count(*) FROM (TABLE wide_rest EXCEPT ALL TABLE wide_bulk) x) AS only_rest,
       (SELECT count(*) FROM (TABLE wide_bulk EXCEPT ALL TABLE wide_rest) x) AS only_bulk;
ALTER FOREIGN TABLE strict.wide__c OPTIONS (SET bulk 'off');
-- And through refresh(): full, then incremental.
CREATE SCHEMA strict_snap;
CALL salesforce_fdw.refresh('strict.wide__c', 'strict_snap.wide', quiet => true);
CALL salesforce_fdw.refresh('strict.wide__c', 'strict_snap.wide', quiet => true);
SELECT mode, status, rows_read FROM salesforce_fdw.refresh_runs WHERE target = 'strict_snap.wide' ORDER BY run_id;
SELECT (SELECT count(*) FROM (TABLE strict_snap.wide EXCEPT ALL TABLE wide_bulk) x) AS only_snapshot,
       (SELECT count(*) FROM (TABLE wide_bulk EXCEPT ALL TABLE strict_snap.wide) x) AS only_bulk;
\setenv SF_EMULATOR_URL :main_url

\set VERBOSITY terse
DROP SCHEMA realorg, realorg_snap, strict, strict_snap CASCADE;
DELETE FROM salesforce_fdw.refresh_runs WHERE target IN ('strict_snap.wide', 'realorg_snap.invoice', 'realorg_snap.opportunity');
DELETE FROM salesforce_fdw.snapshots WHERE target IN ('strict_snap.wide', 'realorg_snap.invoice', 'realorg_snap.opportunity');
DROP SERVER realorg, strict CASCADE;
