\set ECHO none
-- The objects most tests read, for each test to include (`\i tests/regress/sql/include/
-- objects.sql`: the tests run from the repository root) so that it runs alone as well as after
-- the others: the extension, error_of(), a server on the emulator ($SF_EMULATOR_URL) with a
-- user mapping, and hand-written foreign tables in schema sf. Creating them again changes
-- nothing. Quiet: a test's expected output shows only the \i line and this first one.
SET client_min_messages = warning;
\getenv emulator_url SF_EMULATOR_URL
CREATE EXTENSION IF NOT EXISTS salesforce_fdw;

-- For the tests: runs a query and shows the error it raises, with the emulator's port masked so the
-- expected output does not depend on it.
CREATE OR REPLACE FUNCTION error_of(query text)
RETURNS TABLE (state text, message text, hint text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          hint = PG_EXCEPTION_HINT;
  message := regexp_replace(message, '127\.0\.0\.1:[0-9]+', '127.0.0.1:<port>', 'g');
  RETURN NEXT;
END $$;

-- For the tests: EXPLAIN as every server version shows it: actual row counts rounded to whole
-- rows (PostgreSQL 18 prints two decimals, 15 whole numbers), no buffer counts (18 adds them to
-- ANALYZE), and with `matching`, just the lines that match it (plan shapes around a foreign scan
-- can differ between versions: a test that checks the scan's SOQL shows those lines).
CREATE OR REPLACE FUNCTION explain(query text, options text DEFAULT 'COSTS OFF', matching text DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  found text[];
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (%s) %s', options, query) LOOP
    CONTINUE WHEN matching IS NOT NULL AND line !~ matching;
    IF matching IS NOT NULL THEN
      line := ltrim(line);  -- the depth of the matching lines differs with the plan's shape too
    END IF;
    LOOP
      found := regexp_match(line, 'rows=([0-9]+\.[0-9]+)');
      EXIT WHEN found IS NULL;
      line := replace(line, 'rows=' || found[1], 'rows=' || round(found[1]::numeric));
    END LOOP;
    RETURN NEXT line;
  END LOOP;
END $$;

-- For the differential tests: runs a query and its local form (over copies of the rows) and
-- compares their results as text rows, as multisets.
CREATE OR REPLACE FUNCTION compare_results(query text, local_query text,
  OUT remote_rows bigint, OUT local_rows bigint, OUT missing bigint, OUT extra bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$
    WITH r AS MATERIALIZED (SELECT x::text AS t FROM (%1$s) x),
         l AS MATERIALIZED (SELECT x::text AS t FROM (%2$s) x)
    SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM l),
           (SELECT count(*) FROM (SELECT t FROM l EXCEPT ALL SELECT t FROM r) a),
           (SELECT count(*) FROM (SELECT t FROM r EXCEPT ALL SELECT t FROM l) b)$q$,
    query, local_query)
  INTO remote_rows, local_rows, missing, extra;
END $$;

CREATE SERVER IF NOT EXISTS emulator FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client', batch_size '500');
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER emulator
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');

CREATE SCHEMA IF NOT EXISTS sf;
CREATE FOREIGN TABLE IF NOT EXISTS sf.opportunity (
  id text,
  is_deleted boolean,
  account_id text,
  name text,
  description text,
  stage_name text,
  amount numeric,
  probability numeric,
  expected_revenue numeric,
  total_opportunity_quantity numeric,
  close_date date,
  type text,
  next_step text,
  lead_source text,
  is_closed boolean,
  is_won boolean,
  forecast_category_name text,
  currency_iso_code text,
  owner_id text,
  created_date timestamptz,
  created_by_id text,
  last_modified_date timestamptz,
  last_modified_by_id text,
  system_modstamp timestamptz,
  last_activity_date date,
  fiscal_quarter integer,
  fiscal_year integer
) SERVER emulator OPTIONS (object 'Opportunity');

CREATE FOREIGN TABLE IF NOT EXISTS sf.invoice (
  id text,
  name text,
  owner_id text,
  currency_iso_code text,
  account_id text OPTIONS (field 'Account__c'),
  account_name text OPTIONS (field 'Account__r.Name'),
  opportunity__c text,
  amount__c numeric,
  tax_rate__c numeric,
  quantity__c numeric,
  line_count__c numeric,
  is_paid__c boolean,
  due_date__c date,
  paid_at__c timestamptz,
  reminder_time__c time,
  status__c text,
  tags__c text[],
  notes__c text,
  contact_email__c text,
  phone__c text,
  website__c text,
  location__c jsonb,
  location__latitude__s numeric,
  location__longitude__s numeric,
  memo__c text
) SERVER emulator OPTIONS (object 'Invoice__c');

CREATE FOREIGN TABLE IF NOT EXISTS sf.won_opportunity (id text, "Amount" numeric, stagename text)
  SERVER emulator OPTIONS (object 'Opportunity', soql_where 'IsWon = true');
RESET client_min_messages;
\set ECHO all
