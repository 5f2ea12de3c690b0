-- CREATE EXTENSION, the wrapper it creates, option validation, and the objects the other
-- tests use (a server on the emulator, a user mapping, hand-written foreign tables).
\getenv emulator_url SF_EMULATOR_URL
\set VERBOSITY default

CREATE EXTENSION salesforce_fdw;

-- For the tests: runs a query and shows the error it raises, with the emulator's port masked so the
-- expected output does not depend on it.
CREATE FUNCTION error_of(query text)
RETURNS TABLE (state text, message text, hint text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          hint = PG_EXCEPTION_HINT;
  message := regexp_replace(message, '127\.0\.0\.1:[0-9]+', '127.0.0.1:<port>', 'g');
  RETURN NEXT;
END $$;

SELECT e.extname, e.extnamespace::regnamespace AS schema, e.extrelocatable
  FROM pg_extension e WHERE e.extname = 'salesforce_fdw';
SELECT fdwname, fdwhandler::regproc AS handler, fdwvalidator::regproc AS validator
  FROM pg_foreign_data_wrapper;

-- Secrets are refused outside user mappings, naming the option and never echoing the value.
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (client_secret 'do-not-print-me');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (refresh_token 'do-not-print-me');
-- Unknown options and bad values name the option.
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (login_ulr 'https://login.salesforce.com');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (login_url 'login.salesforce.com');
\echo :LAST_ERROR_SQLSTATE
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (batch_size '100');
CREATE SERVER bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (api_version 'newest');

CREATE SERVER emulator FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client', batch_size '500');
ALTER SERVER emulator OPTIONS (ADD colour 'blue');

CREATE USER MAPPING FOR CURRENT_USER SERVER emulator OPTIONS (auth 'password');
CREATE USER MAPPING FOR CURRENT_USER SERVER emulator OPTIONS (auth 'jwt_bearer', username 'a@b.c');
\echo :LAST_ERROR_SQLSTATE
CREATE USER MAPPING FOR CURRENT_USER SERVER emulator
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
-- The secret values are not visible to a role that is not the mapping's owner or a superuser.
SELECT umoptions IS NOT NULL AS has_options FROM pg_user_mappings WHERE srvname = 'emulator';

CREATE FOREIGN TABLE bad (id text) SERVER emulator OPTIONS (objekt 'Account');
CREATE FOREIGN TABLE bad (id text) SERVER emulator OPTIONS (object 'Bad Name');
CREATE FOREIGN TABLE bad (id text OPTIONS (field 'Owner..Name')) SERVER emulator OPTIONS (object 'Account');
CREATE FOREIGN TABLE bad (id text OPTIONS (fieldname 'Id')) SERVER emulator OPTIONS (object 'Account');

CREATE SCHEMA sf;
CREATE FOREIGN TABLE sf.opportunity (
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

CREATE FOREIGN TABLE sf.invoice (
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

CREATE FOREIGN TABLE sf.won_opportunity (id text, "Amount" numeric, stagename text)
  SERVER emulator OPTIONS (object 'Opportunity', soql_where 'IsWon = true');
