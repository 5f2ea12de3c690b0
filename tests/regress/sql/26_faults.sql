-- Hard to break: 100,000 opportunities behind an emulator that answers 10% of API requests
-- with 503, drops 5% of connections and expires every session every 50 requests. A full
-- refresh (through Bulk API 2.0 when the planner's record count is over bulk_threshold) and an
-- incremental one after changes still give a snapshot identical to the emulator's data. Then
-- Bulk results pages that break off mid-body: resumed, they give exactly the rows of REST pages;
-- breaking off every time, they are an error naming the page.
\i tests/regress/sql/include/objects.sql
\getenv faulty_url SF_FAULTY_EMULATOR_URL
\getenv test_tmp SF_TEST_TMP
\set VERBOSITY default

CREATE SERVER faulty FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'faulty_url', client_id 'sf-emulator-client', max_retries '8');
CREATE USER MAPPING FOR CURRENT_USER SERVER faulty
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA faulty;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity) FROM SERVER faulty INTO faulty;
CREATE SCHEMA faulty_copy;

-- The emulator's own records as rows of the snapshot table: API names are mapped to columns
-- through the foreign table's field options.
CREATE FUNCTION pg_temp.emulator_rows(source regclass, target regclass, dump_file text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  mapping jsonb;
BEGIN
  SELECT jsonb_object_agg(substr(opt, 7), a.attname) INTO mapping
    FROM pg_attribute a, unnest(a.attfdwoptions) AS opt
   WHERE a.attrelid = source AND a.attnum > 0 AND opt LIKE 'field=%';
  SET LOCAL client_min_messages = warning;
  DROP TABLE IF EXISTS pg_temp.expected;
  EXECUTE format('CREATE TEMP TABLE expected AS SELECT * FROM jsonb_populate_recordset(NULL::%s, $1)', target)
    USING (SELECT jsonb_agg((SELECT jsonb_object_agg(mapping->>k, v) FROM jsonb_each(r) AS e(k, v)
                              WHERE mapping ? k))
             FROM jsonb_array_elements(pg_read_file(dump_file)::jsonb) AS r);
  RETURN 'expected';
END $$;
CREATE FUNCTION pg_temp.compare(target regclass) RETURNS TABLE (target_rows bigint, emulator_rows bigint, only_in_target bigint, only_in_emulator bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT (SELECT count(*) FROM %1$s), (SELECT count(*) FROM pg_temp.expected),
            (SELECT count(*) FROM (TABLE %1$s EXCEPT ALL TABLE pg_temp.expected) x),
            (SELECT count(*) FROM (TABLE pg_temp.expected EXCEPT ALL TABLE %1$s) x)', target);
END $$;

CALL salesforce_fdw.refresh('faulty.opportunity', 'faulty_copy.opportunity', mode => 'full', quiet => true);
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py dump Opportunity "$SF_TEST_TMP/faulty.json"
\set dump_file :test_tmp '/faulty.json'
SELECT pg_temp.emulator_rows('faulty.opportunity', 'faulty_copy.opportunity', :'dump_file') IS NOT NULL AS loaded;
SELECT * FROM pg_temp.compare('faulty_copy.opportunity');

-- Changes in Salesforce (made with the faults paused), then an incremental refresh under faults.
\! curl -s -o /dev/null -X PUT "$SF_FAULTY_EMULATOR_URL/__emulator/faults" -d '{}'
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/snapshots/sf_writes.py round 5 > /dev/null
\! curl -s -o /dev/null -X PUT "$SF_FAULTY_EMULATOR_URL/__emulator/faults" -d '{"error_rate": 0.1, "drop_rate": 0.05, "expire_every": 50, "seed": 11}'
CALL salesforce_fdw.refresh('faulty.opportunity', 'faulty_copy.opportunity', quiet => true);
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py dump Opportunity "$SF_TEST_TMP/faulty.json"
SELECT pg_temp.emulator_rows('faulty.opportunity', 'faulty_copy.opportunity', :'dump_file') IS NOT NULL AS loaded;
SELECT * FROM pg_temp.compare('faulty_copy.opportunity');
SELECT mode, status FROM salesforce_fdw.refresh_runs WHERE target = 'faulty_copy.opportunity' ORDER BY run_id;

-- The faults did happen.
\! curl -s "$SF_FAULTY_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; f = json.load(sys.stdin)["faults"]; print("503s injected:", f["error_503"] > 0, "/ connections dropped:", f["drop"] > 0, "/ sessions expired:", f["expire_sessions"] > 0)'

-- Bulk results pages that break off mid-body: the emulator sends a page's status, headers and
-- first 300,000 gzipped bytes (about a tenth of a page of 50,000 records), then closes the
-- connection. The FDW reads the page again and skips the records it already handed over, so a
-- Bulk read returns exactly the rows of a REST read: with parallel result pages
-- (resultPages, 3 pages: 50,000 + 50,000 + 1 records) and by locator (bulk_parallelism 1:
-- pages of 25,000). No other faults here.
\! curl -s -o /dev/null -X DELETE "$SF_FAULTY_EMULATOR_URL/__emulator/faults"
ALTER FOREIGN TABLE faulty.opportunity OPTIONS (ADD bulk 'off');
CREATE TEMP TABLE rest_read AS SELECT * FROM faulty.opportunity;
ALTER FOREIGN TABLE faulty.opportunity OPTIONS (SET bulk 'on');
CREATE FUNCTION pg_temp.same_rows(read regclass) RETURNS TABLE (rest_rows bigint, bulk_rows bigint, same_checksum boolean, only_in_bulk bigint, only_in_rest bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT (SELECT count(*) FROM rest_read), (SELECT count(*) FROM %1$s),
            (SELECT md5(string_agg(r::text, E''\n'' ORDER BY r.id)) FROM rest_read r)
              = (SELECT md5(string_agg(b::text, E''\n'' ORDER BY b.id)) FROM %1$s b),
            (SELECT count(*) FROM (TABLE %1$s EXCEPT ALL TABLE rest_read) x),
            (SELECT count(*) FROM (TABLE rest_read EXCEPT ALL TABLE %1$s) x)', read);
END $$;
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py reset
\! curl -s -o /dev/null -X PUT "$SF_FAULTY_EMULATOR_URL/__emulator/faults" -d '{"drop_results_body_after_bytes": 300000, "drop_results_body_count": 2}'
CREATE TEMP TABLE parallel_read AS SELECT * FROM faulty.opportunity;
SELECT * FROM pg_temp.same_rows('parallel_read');
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py pages
\! curl -s "$SF_FAULTY_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; print("results bodies cut off:", json.load(sys.stdin)["faults"]["results_body_drop"])'
ALTER SERVER faulty OPTIONS (ADD bulk_parallelism '1');
\! curl -s -o /dev/null -X DELETE "$SF_FAULTY_EMULATOR_URL/__emulator/faults"
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py reset
\! curl -s -o /dev/null -X PUT "$SF_FAULTY_EMULATOR_URL/__emulator/faults" -d '{"drop_results_body_after_bytes": 300000, "drop_results_body_count": 1}'
CREATE TEMP TABLE locator_read AS SELECT * FROM faulty.opportunity;
SELECT * FROM pg_temp.same_rows('locator_read');
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py pages
\! curl -s "$SF_FAULTY_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; print("results bodies cut off:", json.load(sys.stdin)["faults"]["results_body_drop"])'

-- Pages that break off every time: after max_retries readings of a page the scan fails with
-- an error naming the page, and nothing is left running on the emulator.
ALTER SERVER faulty OPTIONS (SET max_retries '2', DROP bulk_parallelism);
CREATE FUNCTION pg_temp.failing_read() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  state text;
  message text;
BEGIN
  CREATE TEMP TABLE partial_read AS SELECT * FROM faulty.opportunity;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
  RAISE NOTICE 'SQLSTATE %: %', state,
    regexp_replace(message, 'http://127\.0\.0\.1:\d+/services/data/v\d+\.\d+/jobs/query/750\w+/results(\?locator=\w+)?', '<results page>', 'g');
END $$;
\! curl -s -o /dev/null -X DELETE "$SF_FAULTY_EMULATOR_URL/__emulator/faults"
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py reset
\! curl -s -o /dev/null -X PUT "$SF_FAULTY_EMULATOR_URL/__emulator/faults" -d '{"drop_results_body_after_bytes": 300000}'
SELECT pg_temp.failing_read();
SELECT to_regclass('pg_temp.partial_read') IS NULL AS no_partial_result;
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py settle
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py pages | grep -c 'asked for 3 times, cut off 3 times' | sed 's/^[1-9][0-9]*$/a page asked for 3 times and cut off each time: yes/'
ALTER SERVER faulty OPTIONS (ADD bulk_parallelism '1');
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py reset
SELECT pg_temp.failing_read();
SELECT to_regclass('pg_temp.partial_read') IS NULL AS no_partial_result;
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py settle
\! SF_EMULATOR_URL="$SF_FAULTY_EMULATOR_URL" python3 tests/emulator_log.py pages
\! curl -s -o /dev/null -X DELETE "$SF_FAULTY_EMULATOR_URL/__emulator/faults"

\set VERBOSITY terse
DROP SCHEMA faulty, faulty_copy CASCADE;
DROP SERVER faulty CASCADE;
DELETE FROM salesforce_fdw.refresh_runs WHERE target = 'faulty_copy.opportunity';
DELETE FROM salesforce_fdw.snapshots WHERE target = 'faulty_copy.opportunity';
