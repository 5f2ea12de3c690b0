-- The engine (issue 11): planning an imported table asks Salesforce nothing, ANALYZE stores
-- the row count, statements of a session share one HTTP connection, and a cancel or
-- statement_timeout lands within a second while the backend waits on Salesforce.
-- Self-contained: its own server and tables.
\getenv main_url SF_EMULATOR_URL
\set VERBOSITY default
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS salesforce_fdw;
RESET client_min_messages;
CREATE SERVER engine FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'main_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER engine
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA engine;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity) FROM SERVER engine INTO engine;
CREATE FOREIGN TABLE engine.account_by_hand (id text, name text, industry text)
  SERVER engine OPTIONS (object 'Account');

-- What describe said is stored with the table: its currency setting and row count, and each
-- field's type and whether Salesforce filters and sorts by it.
SELECT array_to_string(ftoptions, ', ') AS table_options FROM pg_foreign_table
 WHERE ftrelid = 'engine.opportunity'::regclass;
SELECT attname, array_to_string(attfdwoptions, ', ') AS options FROM pg_attribute
 WHERE attrelid = 'engine.opportunity'::regclass
   AND attname IN ('amount', 'description', 'stage_name', 'close_date') ORDER BY attnum;

-- Planning it sends nothing to Salesforce (a new session: nothing cached), and still ships
-- what it can (the ORDER BY on a date, not on the multi-currency amount).
\setenv PGDATABASE :DBNAME
\! python3 tests/emulator_log.py reset
\! psql -X -A -t -c "EXPLAIN (COSTS OFF) SELECT name FROM engine.opportunity WHERE amount > 1000 AND close_date >= '2025-01-01' ORDER BY close_date LIMIT 5" | grep SOQL
\! python3 tests/real_org.py request-count

-- ANALYZE: Salesforce's row count becomes reltuples, which estimates then use.
SELECT reltuples AS before_analyze FROM pg_class WHERE oid = 'engine.account_by_hand'::regclass;
ANALYZE engine.account_by_hand;
SELECT reltuples AS after_analyze FROM pg_class WHERE oid = 'engine.account_by_hand'::regclass;
CREATE FUNCTION plan_rows(query text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
END $$;
SELECT plan_rows('SELECT id FROM engine.account_by_hand') AS estimated_rows;

-- A runtime parameter whose evaluation fails (a generic plan) is a clean ERROR; the same
-- statement then runs, and the server is fine.
SET plan_cache_mode = force_generic_plan;
PREPARE bad(numeric) AS SELECT count(*) > 0 AS some FROM engine.opportunity WHERE amount > 1 / $1;
EXPLAIN (COSTS OFF) EXECUTE bad(0);
EXECUTE bad(0);
EXECUTE bad(1);
DEALLOCATE bad;
RESET plan_cache_mode;

-- Twenty statements of one session open at most three connections (HTTP keep-alive).
\! for i in $(seq 20); do echo "SELECT count(*) FROM engine.account_by_hand WHERE industry = 'Energy';"; done > "$SF_TEST_TMP/twenty.sql"
\! a=$(python3 tests/real_org.py stat connectionsAccepted); psql -X -q -f "$SF_TEST_TMP/twenty.sql" > /dev/null; b=$(python3 tests/real_org.py stat connectionsAccepted); [ $((b - a)) -le 3 ] && echo "20 statements: at most 3 connections" || echo "20 statements: $((b - a)) connections"

-- A changed server or user mapping is seen by the next statement, as postgres_fdw drops its
-- connections: what describe said is asked again (first and third EXPLAIN), not trusted from
-- before the change (second).
\! python3 tests/emulator_log.py reset
\! psql -X -q -c "EXPLAIN (COSTS OFF) SELECT id FROM engine.account_by_hand" -c "EXPLAIN (COSTS OFF) SELECT id FROM engine.account_by_hand" -c "ALTER SERVER engine OPTIONS (ADD request_timeout_ms '60000')" -c "EXPLAIN (COSTS OFF) SELECT id FROM engine.account_by_hand" > /dev/null; python3 tests/real_org.py request-summary | grep -E 'describe|recordCount'
ALTER SERVER engine OPTIONS (DROP request_timeout_ms);

-- Planning and execution act as the same role: read through a view, the view owner's user
-- mapping serves a role that has none (for describe at planning as for the rows); the table
-- itself, read directly, needs the role's own mapping.
CREATE ROLE engine_reader;
CREATE VIEW engine.energy_accounts AS
  SELECT name FROM engine.account_by_hand WHERE industry = 'Energy';
GRANT USAGE ON SCHEMA engine TO engine_reader;
GRANT SELECT ON engine.energy_accounts, engine.account_by_hand TO engine_reader;
\! python3 tests/emulator_log.py reset
\! psql -X -q -c "SET ROLE engine_reader" -c "SELECT count(*) > 0 AS some_energy FROM engine.energy_accounts" -c "SELECT count(*) FROM engine.account_by_hand" 2>&1 | sed 's/^psql:[^ ]* //'
\! python3 tests/real_org.py request-summary | grep -E 'describe|recordCount'
DROP VIEW engine.energy_accounts;
REVOKE ALL ON engine.account_by_hand FROM engine_reader;
REVOKE ALL ON SCHEMA engine FROM engine_reader;
DROP ROLE engine_reader;

-- With 6 s per request, statement_timeout = 1s ends a statement within 1.5 s: while planning
-- waits for describe (a hand-written table, new session), and while execution waits for the
-- login and the first page (an imported table: planning asks nothing).
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"latency_ms": 6000}'
\! curl -s "$SF_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["requestsAbandoned"])' > "$SF_TEST_TMP/abandoned_before"
\! s=$(date +%s%N); psql -X -q -c "SET statement_timeout = '1s'" -c "SELECT count(*) FROM engine.account_by_hand" 2>&1 | sed 's/^psql:[^ ]* //'; e=$(date +%s%N); [ $(( (e - s) / 1000000 )) -lt 1500 ] && echo "planning: ended within 1.5 s" || echo "planning: took $(( (e - s) / 1000000 )) ms"
\! s=$(date +%s%N); psql -X -q -c "SET statement_timeout = '1s'" -c "SELECT count(*) FROM engine.opportunity" 2>&1 | sed 's/^psql:[^ ]* //'; e=$(date +%s%N); [ $(( (e - s) / 1000000 )) -lt 1500 ] && echo "execution: ended within 1.5 s" || echo "execution: took $(( (e - s) / 1000000 )) ms"
-- And while a later page downloads (3 s per request, the first page is in after ~3 s), and
-- while a failing request waits to be tried again (every request answered 503: backoff).
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"latency_ms": 3000}'
\! s=$(date +%s%N); psql -X -q -c "SET statement_timeout = '4s'" -c "SET salesforce_fdw.aggregate_pushdown = off" -c "SELECT count(*) FROM engine.opportunity" 2>&1 | sed 's/^psql:[^ ]* //'; e=$(date +%s%N); [ $(( (e - s) / 1000000 )) -lt 4500 ] && echo "page download: ended within 0.5 s of the timeout" || echo "page download: took $(( (e - s) / 1000000 )) ms"
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"error_rate": 1.0}'
\! s=$(date +%s%N); psql -X -q -c "SET statement_timeout = '1s'" -c "SELECT count(*) FROM engine.opportunity" 2>&1 | sed 's/^psql:[^ ]* //'; e=$(date +%s%N); [ $(( (e - s) / 1000000 )) -lt 1500 ] && echo "backoff: ended within 1.5 s" || echo "backoff: took $(( (e - s) / 1000000 )) ms"
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"latency_ms": 6000}'
-- pg_cancel_backend lands within a second too (planning waits on describe here).
\! psql -X -q -c "SELECT count(*) FROM engine.account_by_hand" > "$SF_TEST_TMP/cancelled.out" 2>&1 & sleep 0.5; s=$(date +%s%N); psql -X -A -t -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT count(*) FROM engine.account_by_hand'" > /dev/null; wait; e=$(date +%s%N); sed 's/^psql:[^ ]* //' "$SF_TEST_TMP/cancelled.out"; [ $(( (e - s) / 1000000 )) -lt 1500 ] && echo "pg_cancel_backend: ended within 1.5 s" || echo "pg_cancel_backend: took $(( (e - s) / 1000000 )) ms"
-- Nothing goes on running after those cancels: each read in flight was dropped with its
-- connection (the emulator saw its client go), so a second later no request is in flight.
\! sleep 1; curl -s "$SF_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; s = json.load(sys.stdin); before = int(open(sys.argv[1]).read()); print("requests in flight:", s["requestsInFlight"], "/ requests dropped by the cancels:", "4 or more" if s["requestsAbandoned"] - before >= 4 else s["requestsAbandoned"] - before)' "$SF_TEST_TMP/abandoned_before"
-- A Bulk scan cancelled while its job runs leaves no job behind: the job is deleted as soon as
-- the request in flight ends.
CREATE FOREIGN TABLE engine.account_bulk (id text, name text)
  SERVER engine OPTIONS (object 'Account', bulk 'on');
-- (count(*) reads the rows here: a Bulk job never computes aggregates)
SET salesforce_fdw.aggregate_pushdown = off;
-- (planned once before the latency, so that the second planning needs no describe)
EXPLAIN (COSTS OFF) SELECT count(*) FROM engine.account_bulk;
\! curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d '{"latency_ms": 1500}'
\! python3 tests/emulator_log.py reset
SET statement_timeout = '1s';
SELECT count(*) FROM engine.account_bulk;
RESET statement_timeout;
SELECT pg_sleep(8);
\! curl -s -o /dev/null -X DELETE "$SF_EMULATOR_URL/__emulator/faults"
\! python3 tests/real_org.py request-summary | grep -v 'jobs/query/<job> 200$'
\! python3 tests/real_org.py jobs-left Account
RESET salesforce_fdw.aggregate_pushdown;

\set VERBOSITY terse
DROP SCHEMA engine CASCADE;
DROP SERVER engine CASCADE;
