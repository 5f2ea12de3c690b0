-- Every OAuth flow against the emulator, sandbox/My Domain rules, and each role with its own
-- user mapping.
\i tests/regress/sql/include/objects.sql
\getenv emulator_url SF_EMULATOR_URL
\getenv test_tmp SF_TEST_TMP
\set VERBOSITY default

CREATE FOREIGN TABLE sf.account_names (id text, name text) SERVER emulator
  OPTIONS (object 'Account');

-- Client credentials (the emulator stands in for a My Domain URL).
CREATE SERVER cc FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc
  OPTIONS (auth 'client_credentials', client_secret 'sf-emulator-secret');
CREATE FOREIGN TABLE sf.cc_account (id text) SERVER cc OPTIONS (object 'Account');
SELECT count(*) FROM sf.cc_account;

-- Client credentials needs the org's My Domain: the generic login hosts are refused up front.
CREATE SERVER cc_generic FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url 'https://login.salesforce.com', client_id 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc_generic
  OPTIONS (auth 'client_credentials', client_secret 'do-not-print-cc');
CREATE FOREIGN TABLE sf.cc_generic (id text) SERVER cc_generic OPTIONS (object 'Account');
SELECT count(*) FROM sf.cc_generic;

-- JWT bearer: an RS256 assertion signed with the user mapping's key; the emulator checks the
-- signature against the public key and the iss/sub/aud/exp claims.
\set jwt_key `cat "$SF_TEST_TMP/jwt.key"`
CREATE SERVER jwt FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER jwt
  OPTIONS (auth 'jwt_bearer', username 'admin@sf-emulator.example', private_key :'jwt_key');
CREATE FOREIGN TABLE sf.jwt_account (id text) SERVER jwt OPTIONS (object 'Account');
SELECT count(*) FROM sf.jwt_account;
-- An unknown username, and a key the emulator does not trust.
ALTER USER MAPPING FOR CURRENT_USER SERVER jwt OPTIONS (SET username 'nobody@example.com');
SELECT * FROM error_of('SELECT count(*) FROM sf.jwt_account') \gx
\set other_key `cat "$SF_TEST_TMP/other.key"`
ALTER USER MAPPING FOR CURRENT_USER SERVER jwt
  OPTIONS (SET username 'admin@sf-emulator.example', SET private_key :'other_key');
SELECT * FROM error_of('SELECT count(*) FROM sf.jwt_account') \gx
ALTER USER MAPPING FOR CURRENT_USER SERVER jwt OPTIONS (SET private_key 'not a key do-not-print');
SELECT count(*) FROM sf.jwt_account;

-- A ready access token with the instance URL.
\set token `curl -s -X POST "$SF_EMULATOR_URL/services/oauth2/token" -d grant_type=refresh_token -d client_id=sf-emulator-client -d client_secret=sf-emulator-secret -d refresh_token=sf-emulator-refresh | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'`
CREATE SERVER direct FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (instance_url :'emulator_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER direct OPTIONS (access_token :'token');
CREATE FOREIGN TABLE sf.direct_account (id text) SERVER direct OPTIONS (object 'Account');
SELECT count(*) FROM sf.direct_account;
-- An access token cannot be renewed: once expired, the error says so.
\! python3 tests/emulator_log.py expire
SELECT count(*) FROM sf.direct_account;
\echo :LAST_ERROR_SQLSTATE

-- Each role uses its own user mapping; PUBLIC's is the fallback.
CREATE ROLE reader_a;
CREATE ROLE reader_b;
GRANT USAGE ON SCHEMA sf TO reader_a, reader_b;
GRANT SELECT ON sf.account_names TO reader_a, reader_b;
CREATE USER MAPPING FOR reader_a SERVER emulator
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'revoked-a-do-not-print');
CREATE USER MAPPING FOR PUBLIC SERVER emulator
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
SET ROLE reader_a;
SELECT * FROM error_of('SELECT count(*) FROM sf.account_names') \gx
RESET ROLE;
SET ROLE reader_b;
SELECT count(*) FROM sf.account_names;
RESET ROLE;

\set VERBOSITY terse
DROP SERVER cc, cc_generic, jwt, direct CASCADE;
DROP USER MAPPING FOR reader_a SERVER emulator;
DROP USER MAPPING FOR PUBLIC SERVER emulator;
DROP FOREIGN TABLE sf.account_names;
REVOKE ALL ON SCHEMA sf FROM reader_a, reader_b;
DROP ROLE reader_a, reader_b;

-- No secret reached the server log (Postgres itself logs the text of failing statements, which
-- is left out: see docs/connecting-a-real-org.md).
\set server_log :test_tmp '/pg/server.log'
SELECT count(*) AS secret_lines
  FROM regexp_split_to_table(pg_read_file(:'server_log'), E'\n') AS line
 WHERE line ~ '(do-not-print|sf-emulator-secret|sf-emulator-refresh|MII[A-Za-z0-9+/]{40})'
   AND line !~ 'STATEMENT:';

-- An app that is not installed (approved) in the org: the hint says how to fix it.
CREATE SERVER uninstalled FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-uninstalled-app');
CREATE USER MAPPING FOR CURRENT_USER SERVER uninstalled
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE FOREIGN TABLE sf.uninstalled (id text) SERVER uninstalled OPTIONS (object 'Account');
SELECT * FROM error_of('SELECT count(*) FROM sf.uninstalled') \gx
DROP SERVER uninstalled CASCADE;
