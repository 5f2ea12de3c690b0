-- Hard to break: 100,000 opportunities behind an emulator that answers 10% of API requests
-- with 503, drops 5% of connections and expires every session every 50 requests. A full
-- refresh (through Bulk API 2.0 when the planner's record count is over bulk_threshold) and an
-- incremental one after changes still give a snapshot identical to the emulator's data.
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

\set VERBOSITY terse
DROP SCHEMA faulty, faulty_copy CASCADE;
DROP SERVER faulty CASCADE;
DELETE FROM salesforce_fdw.refresh_runs WHERE target = 'faulty_copy.opportunity';
DELETE FROM salesforce_fdw.snapshots WHERE target = 'faulty_copy.opportunity';
