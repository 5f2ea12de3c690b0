-- Errors a user can cause: each names what is wrong, with a hint, a fitting SQLSTATE, and no
-- secret anywhere in the message.
\i tests/regress/sql/include/objects.sql
\getenv emulator_url SF_EMULATOR_URL
\set VERBOSITY default

-- Unknown object.
CREATE FOREIGN TABLE sf.nope (id text) SERVER emulator OPTIONS (object 'Opportunityy');
SELECT * FROM sf.nope;
\echo :LAST_ERROR_SQLSTATE

-- Unknown field.
CREATE FOREIGN TABLE sf.bad_field (id text, stage text) SERVER emulator OPTIONS (object 'Opportunity');
SELECT stage FROM sf.bad_field;
\echo :LAST_ERROR_SQLSTATE

-- A foreign table without the object option.
CREATE FOREIGN TABLE sf.no_object (id text) SERVER emulator;
SELECT * FROM sf.no_object;
\echo :LAST_ERROR_SQLSTATE

-- A column type we cannot fill is refused when it is read, naming the column.
CREATE FOREIGN TABLE sf.odd_type (id text, amount point) SERVER emulator OPTIONS (object 'Opportunity');
SELECT amount FROM sf.odd_type;
SELECT count(id) FROM sf.odd_type;

-- A value that does not fit the column type names the field and column.
CREATE FOREIGN TABLE sf.wrong_type (id text, name integer) SERVER emulator OPTIONS (object 'Opportunity');
SELECT name FROM sf.wrong_type;
\echo :LAST_ERROR_SQLSTATE
-- A value too large for the column's numeric type names the field and the value.
CREATE FOREIGN TABLE sf.narrow_numeric (id text, amount numeric(3,1) OPTIONS (field 'Amount'))
  SERVER emulator OPTIONS (object 'Opportunity');
SELECT amount FROM sf.narrow_numeric WHERE amount IS NOT NULL;
\echo :LAST_ERROR_SQLSTATE

-- Bad credentials: invalid_grant with a hint; the secret does not appear.
CREATE ROLE analyst;
GRANT USAGE ON FOREIGN SERVER emulator TO analyst;
GRANT USAGE ON SCHEMA sf TO analyst;
GRANT SELECT ON sf.opportunity TO analyst;
CREATE USER MAPPING FOR analyst SERVER emulator
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'revoked-token-do-not-print');
SET ROLE analyst;
SELECT * FROM error_of('SELECT count(*) FROM sf.opportunity') \gx
RESET ROLE;

-- Wrong client secret.
ALTER USER MAPPING FOR analyst SERVER emulator
  OPTIONS (SET client_secret 'wrong-secret-do-not-print', SET refresh_token 'sf-emulator-refresh');
SET ROLE analyst;
SELECT * FROM error_of('SELECT count(*) FROM sf.opportunity') \gx
RESET ROLE;

-- A role without a user mapping.
CREATE ROLE nomapping;
GRANT USAGE ON SCHEMA sf TO nomapping;
GRANT SELECT ON sf.opportunity TO nomapping;
SET ROLE nomapping;
SELECT count(*) FROM sf.opportunity;
RESET ROLE;

-- Unreachable host.
CREATE SERVER nowhere FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url 'http://127.0.0.1:9', client_id 'sf-emulator-client', request_timeout_ms '5000');
CREATE USER MAPPING FOR CURRENT_USER SERVER nowhere
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE FOREIGN TABLE sf.nowhere (id text) SERVER nowhere OPTIONS (object 'Account');
SELECT * FROM sf.nowhere;
\echo :LAST_ERROR_SQLSTATE

-- An expired session is renewed transparently.
SELECT count(*) FROM sf.opportunity;
\! python3 tests/emulator_log.py expire
SELECT count(*) FROM sf.opportunity;

-- No secret reached the server log. (Postgres itself logs the text of a failing statement, so
-- the statements above that typed a secret on purpose are left out.)
\getenv test_tmp SF_TEST_TMP
\set server_log :test_tmp '/pg/server.log'
SELECT count(*) AS secret_lines
  FROM regexp_split_to_table(pg_read_file(:'server_log'), E'\n') AS line
 WHERE line ~ '(do-not-print|sf-emulator-secret|sf-emulator-refresh)'
   AND line !~ 'STATEMENT:';

DROP FOREIGN TABLE sf.nope, sf.bad_field, sf.no_object, sf.odd_type, sf.wrong_type, sf.narrow_numeric,
  sf.nowhere;
DROP SERVER nowhere CASCADE;
