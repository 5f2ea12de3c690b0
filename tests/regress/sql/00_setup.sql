-- CREATE EXTENSION, the wrapper it creates, and option validation. The objects the other
-- tests read (a server on the emulator, a user mapping, hand-written foreign tables) come
-- from include/objects.sql, which each of them includes.
\getenv emulator_url SF_EMULATOR_URL
\set VERBOSITY default

CREATE EXTENSION salesforce_fdw;

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

-- The objects the other tests read (they include the same file).
\i tests/regress/sql/include/objects.sql
ALTER SERVER emulator OPTIONS (ADD colour 'blue');

-- User mapping options are checked too (on a server that has no mapping yet).
CREATE SERVER unmapped FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (login_url :'emulator_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER unmapped OPTIONS (auth 'password');
CREATE USER MAPPING FOR CURRENT_USER SERVER unmapped OPTIONS (auth 'jwt_bearer', username 'a@b.c');
\echo :LAST_ERROR_SQLSTATE
DROP SERVER unmapped;
-- The secret values are not visible to a role that is not the mapping's owner or a superuser.
SELECT umoptions IS NOT NULL AS has_options FROM pg_user_mappings WHERE srvname = 'emulator';

CREATE FOREIGN TABLE bad (id text) SERVER emulator OPTIONS (objekt 'Account');
CREATE FOREIGN TABLE bad (id text) SERVER emulator OPTIONS (object 'Bad Name');
CREATE FOREIGN TABLE bad (id text OPTIONS (field 'Owner..Name')) SERVER emulator OPTIONS (object 'Account');
CREATE FOREIGN TABLE bad (id text OPTIONS (fieldname 'Id')) SERVER emulator OPTIONS (object 'Account');
