-- IMPORT over real describes recorded from real orgs (shared/fixtures/salesforce): a second
-- emulator serves those objects with generated values per field type; every table imports and
-- every column of every table reads.
\i tests/regress/sql/include/objects.sql
\getenv fixture_url SF_FIXTURE_EMULATOR_URL
\set VERBOSITY default

CREATE SERVER fixtures FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'fixture_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER fixtures
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA real_org;
IMPORT FOREIGN SCHEMA salesforce
  LIMIT TO (account, contact, lead, opportunity, "Case", event, task, opportunity_contact_role, "Custom__c")
  FROM SERVER fixtures INTO real_org;

-- Columns and their types per table (the Account describe has 250 fields, NPSP included).
SELECT c.relname AS table, count(*) AS columns,
       string_agg(DISTINCT format_type(a.atttypid, a.atttypmod), ', ' ORDER BY format_type(a.atttypid, a.atttypmod)) FILTER (WHERE a.atttypid <> 'numeric'::regtype) AS types
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'real_org'::regnamespace
 GROUP BY 1 ORDER BY 1;
-- Polymorphic references got their _type column.
SELECT c.relname AS table, a.attname AS column, array_to_string(a.attfdwoptions, ',') AS options
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'real_org'::regnamespace AND a.attname LIKE '%\_type'
 ORDER BY 1, 2;

-- Every column of every table reads without error.
DO $$
DECLARE t record; n bigint;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'real_org'::regnamespace AND c.relkind = 'f' ORDER BY 1 LOOP
    EXECUTE format('SELECT count(x.*) FROM real_org.%I x', t.relname) INTO n;
    RAISE NOTICE '% rows: %', t.relname, n;
  END LOOP;
END $$;

\set VERBOSITY terse
DROP SCHEMA real_org CASCADE;
DROP SERVER fixtures CASCADE;
