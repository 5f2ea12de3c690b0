-- Snapshots (DESIGN.md section 7): salesforce_fdw.refresh full and incremental against the
-- emulator's live data after many rounds of seeded changes, both cursors, deletes, late commits,
-- purged deletes, faults mid-refresh, cancel and kill, concurrency, views and grants kept,
-- schema changes, state tables, refresh_all, and schedule() without pg_cron.
\i tests/regress/sql/include/objects.sql
\getenv test_tmp SF_TEST_TMP
\getenv emulator_url SF_EMULATOR_URL
\set repo `pwd`
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Test helpers: the data-changing script run by the server (COPY FROM PROGRAM), and a
-- comparison of every column of every row of a target with the emulator's own copy.
\! mkdir -p "$SF_TEST_TMP/snapshots" && chmod 777 "$SF_TEST_TMP/snapshots"
SET snaptest.url = :'emulator_url';
SET snaptest.repo = :'repo';
SET snaptest.dir = :'test_tmp';
CREATE SCHEMA snaptest;
CREATE TEMP TABLE snaptest_out (line text);
CREATE TEMP TABLE emulator_rows ();
CREATE FUNCTION snaptest.sh(args text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM snaptest_out;
    EXECUTE format('COPY snaptest_out FROM PROGRAM %L',
                   format('SF_EMULATOR_URL=%s python3 %s/tests/snapshots/sf_writes.py %s',
                          current_setting('snaptest.url'), current_setting('snaptest.repo'), args));
    RETURN QUERY SELECT line FROM snaptest_out;
END $$;
CREATE FUNCTION snaptest.file(name text) RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('snaptest.dir') || '/snapshots/' || name
$$;
-- The emulator's records (a dump file) as rows of sf.opportunity: each column reads the key
-- whose snake_case is its name.
CREATE FUNCTION snaptest.dump_rows(dump_file text) RETURNS SETOF sf.opportunity LANGUAGE plpgsql AS $$
DECLARE
    data jsonb := pg_read_file(dump_file)::jsonb;
    defs text;
    sel text;
BEGIN
    SELECT string_agg(format('%I %s', k, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum),
           string_agg(format('%I', k), ', ' ORDER BY a.attnum)
      INTO defs, sel
      FROM pg_attribute a
      JOIN (SELECT k FROM jsonb_object_keys(data -> 0) k) keys
        ON lower(regexp_replace(k, '([a-z0-9])([A-Z])', '\1_\2', 'g')) = a.attname
     WHERE a.attrelid = 'sf.opportunity'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    RETURN QUERY EXECUTE format('SELECT %s FROM jsonb_to_recordset($1) AS d(%s)', sel, defs) USING data;
END $$;
-- Compares every column of every row of a target with the emulator's records (a table of
-- dump_rows, or a dump file).
CREATE FUNCTION snaptest.diff(target regclass, emulator regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    r record;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = 'sf.opportunity'::regclass AND attnum > 0 AND NOT attisdropped;
    EXECUTE format($q$
        WITH d AS (SELECT %s FROM %s), t AS (SELECT %s FROM %s)
        SELECT (SELECT count(*) FROM t) AS n_target, (SELECT count(*) FROM d) AS n_emulator,
               (SELECT count(*) FROM (TABLE t EXCEPT ALL TABLE d) x) AS only_target,
               (SELECT count(*) FROM (TABLE d EXCEPT ALL TABLE t) x) AS only_emulator$q$,
        cols, emulator, cols, target) INTO r;
    IF r.only_target = 0 AND r.only_emulator = 0 THEN
        RETURN format('equal (%s rows)', r.n_target);
    END IF;
    RETURN format('DIFFERENT: %s rows vs %s in the emulator, %s only in target, %s only in emulator',
                  r.n_target, r.n_emulator, r.only_target, r.only_emulator);
END $$;
CREATE FUNCTION snaptest.diff(target regclass, dump_file text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.emulator_rows;
    CREATE TEMP TABLE emulator_rows AS SELECT * FROM snaptest.dump_rows(dump_file);
    RETURN snaptest.diff(target, 'pg_temp.emulator_rows'::regclass);
END $$;
-- Rows that differ between a target and a copy of it (0: unchanged).
CREATE FUNCTION snaptest.changed(target regclass, copy regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE %s) UNION ALL (TABLE %s EXCEPT ALL TABLE %s)) x',
                   target, copy, copy, target) INTO n;
    RETURN n;
END $$;
CREATE FUNCTION snaptest.last_run(target text) RETURNS salesforce_fdw.refresh_runs LANGUAGE sql AS $$
    SELECT * FROM salesforce_fdw.refresh_runs WHERE refresh_runs.target = $1 ORDER BY run_id DESC LIMIT 1
$$;

CREATE SCHEMA snap;

-- First refresh of a target: a full one, whatever the mode; it creates the table like the
-- foreign table with a primary key on id and an index on the cursor column.
\set VERBOSITY terse
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp');
\set VERBOSITY default
\d snap.opp
SELECT source, object, cursor_field, cursor_column, lookback, row_count, status, last_error,
       last_full_refresh IS NOT NULL AS full_done, last_incremental_refresh IS NULL AS no_incremental_yet
  FROM salesforce_fdw.snapshots WHERE target = 'snap.opp';
SELECT requested_mode, mode, cursor_field, window_start, watermark_before, rows_read, rows_upserted,
       rows_deleted, api_calls >= 20 AS api_calls_counted, status, error, in_transaction_block,
       finished_at >= started_at AS finished, duration = finished_at - started_at AS duration_ok
  FROM snaptest.last_run('snap.opp');
\! python3 tests/emulator_log.py dump Opportunity "$SF_TEST_TMP/snapshots/start.json"
SELECT snaptest.diff('snap.opp', snaptest.file('start.json'));
-- The watermark is the largest SystemModstamp read (server time), not the local clock.
SELECT watermark = (SELECT max(system_modstamp) FROM snaptest.dump_rows(snaptest.file('start.json'))) AS watermark_is_max_read
  FROM salesforce_fdw.snapshots WHERE target = 'snap.opp';

-- The same source with LastModifiedDate as the cursor (given as a field name or column name).
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd', cursor => 'LastModifiedDate', quiet => true);
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd2', cursor => 'last_modified_date', quiet => true);
SELECT target, cursor_field, cursor_column, status FROM salesforce_fdw.snapshots
 WHERE target LIKE 'snap.opp_lmd%' ORDER BY target;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'snap.opp_lmd'::regclass ORDER BY 1;

-- Nothing changed: an incremental run reads only the lookback window, writes nothing, and
-- sends the window as SOQL (query for live rows, queryAll for deleted ones).
\! python3 tests/emulator_log.py reset
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
\! python3 tests/emulator_log.py soql | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<window start>/'
SELECT requested_mode, mode, rows_upserted, rows_deleted, status,
       window_start = watermark_before - interval '5 minutes' AS window_is_watermark_minus_lookback,
       watermark_after = watermark_before AS watermark_kept
  FROM snaptest.last_run('snap.opp');

-- Twelve rounds of seeded random inserts, updates and deletes through the REST API, each
-- followed by incremental refreshes of both targets: after each, every row and column equals
-- the emulator's live data, and each watermark is the largest cursor value in Salesforce
-- (recycle bin included), never beyond it.
CREATE TEMP TABLE live ();
CREATE TEMP TABLE everything ();
CREATE TEMP TABLE rounds (round int, changes text, opp text, opp_lmd text,
                          opp_watermark_ok boolean, lmd_watermark_ok boolean,
                          opp_mode text, lmd_mode text, deletes_applied boolean);
DO $$
DECLARE
    i int;
    changes text;
    f text := snaptest.file('round.json');
BEGIN
    FOR i IN 1 .. 12 LOOP
        SELECT sh INTO changes FROM snaptest.sh(format('round %s %s', i, f)) sh;
        CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
        CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd', quiet => true);
        DROP TABLE IF EXISTS live, everything;
        CREATE TEMP TABLE live AS SELECT * FROM snaptest.dump_rows(f);
        CREATE TEMP TABLE everything AS SELECT * FROM snaptest.dump_rows(f || '.all');
        INSERT INTO rounds
        SELECT i, changes, snaptest.diff('snap.opp', 'live'::regclass), snaptest.diff('snap.opp_lmd', 'live'::regclass),
               (SELECT watermark FROM salesforce_fdw.snapshots WHERE target = 'snap.opp')
                 = (SELECT max(system_modstamp) FROM everything),
               (SELECT watermark FROM salesforce_fdw.snapshots WHERE target = 'snap.opp_lmd')
                 = (SELECT max(last_modified_date) FROM everything),
               (snaptest.last_run('snap.opp')).mode, (snaptest.last_run('snap.opp_lmd')).mode,
               (snaptest.last_run('snap.opp')).rows_deleted > 0;
    END LOOP;
END $$;
SELECT * FROM rounds ORDER BY round;
SELECT count(*) AS runs, sum(rows_upserted) AS upserted, sum(rows_deleted) AS deleted,
       bool_and(status = 'succeeded') AS all_succeeded, bool_and(api_calls > 0) AS api_calls_counted
  FROM salesforce_fdw.refresh_runs WHERE target = 'snap.opp' AND mode = 'incremental';
SELECT row_count = (SELECT count(*) FROM snap.opp) AS row_count_ok FROM salesforce_fdw.snapshots
 WHERE target = 'snap.opp';

-- A full refresh after all that finds nothing to change: incremental kept the copy exact.
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'full', quiet => true);
SELECT mode, rows_upserted, rows_deleted, status FROM snaptest.last_run('snap.opp');
SELECT snaptest.diff('snap.opp', snaptest.file('round.json'));

-- A late commit: a change whose SystemModstamp is earlier than the watermark (inside the
-- lookback window) is picked up; the watermark does not move backwards (it may move forwards:
-- the incremental run also reads the newest deletions, which the full run did not).
SELECT watermark AS wm FROM salesforce_fdw.snapshots WHERE target = 'snap.opp' \gset
SELECT id AS late_id FROM snap.opp ORDER BY id LIMIT 1 OFFSET 100 \gset
SELECT snaptest.sh(format($a$update %s '{"Name": "Late commit"}'$a$, :'late_id'));
SELECT snaptest.sh(format($a$backdate %s '{"SystemModstamp": "%s", "LastModifiedDate": "%s"}'$a$, :'late_id',
       to_char((:'wm'::timestamptz - interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"'),
       to_char((:'wm'::timestamptz - interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"')));
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT o.name, o.system_modstamp = :'wm'::timestamptz - interval '1 minute' AS backdated,
       s.watermark >= :'wm'::timestamptz AS watermark_not_backwards
  FROM snap.opp o, salesforce_fdw.snapshots s WHERE o.id = :'late_id' AND s.target = 'snap.opp';
-- Later than the lookback (an hour before the watermark): incremental misses it, full catches it.
SELECT id AS later_id FROM snap.opp ORDER BY id LIMIT 1 OFFSET 200 \gset
SELECT snaptest.sh(format($a$update %s '{"Name": "Very late commit"}'$a$, :'later_id'));
SELECT snaptest.sh(format($a$backdate %s '{"SystemModstamp": "%s", "LastModifiedDate": "%s"}'$a$, :'later_id',
       to_char((:'wm'::timestamptz - interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"'),
       to_char((:'wm'::timestamptz - interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"')));
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT name = 'Very late commit' AS seen_by_incremental FROM snap.opp WHERE id = :'later_id';
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'full', quiet => true);
SELECT name = 'Very late commit' AS seen_by_full FROM snap.opp WHERE id = :'later_id';
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd', quiet => true);

-- A soft delete purged from the recycle bin before the incremental run is invisible to it;
-- the next full run removes the row.
SELECT id AS purged_id FROM snap.opp ORDER BY id LIMIT 1 OFFSET 300 \gset
SELECT snaptest.sh(format('delete %s', :'purged_id'));
SELECT snaptest.sh('purge');
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT count(*) AS still_there_after_incremental FROM snap.opp WHERE id = :'purged_id';
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'full', quiet => true);
SELECT count(*) AS gone_after_full FROM snap.opp WHERE id = :'purged_id';
SELECT rows_deleted FROM snaptest.last_run('snap.opp');
\! python3 tests/emulator_log.py dump Opportunity "$SF_TEST_TMP/snapshots/after_purge.json"
SELECT snaptest.diff('snap.opp', snaptest.file('after_purge.json'));

-- A full refresh keeps the table itself: OID, grants, indexes, dependent views.
CREATE ROLE regress_snap_reader;
GRANT SELECT ON snap.opp TO regress_snap_reader;
CREATE VIEW snap.won AS SELECT id, amount FROM snap.opp WHERE is_won;
GRANT USAGE ON SCHEMA snap TO regress_snap_reader;
GRANT SELECT ON snap.won TO regress_snap_reader;
SELECT 'snap.opp'::regclass::oid AS opp_oid, relacl::text AS opp_acl FROM pg_class WHERE oid = 'snap.opp'::regclass \gset
SELECT snaptest.sh(format('round 50 %s', snaptest.file('r50.json')));
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'full', quiet => true);
SELECT 'snap.opp'::regclass::oid = :opp_oid AS same_oid,
       (SELECT relacl::text FROM pg_class WHERE oid = 'snap.opp'::regclass) = :'opp_acl' AS same_grants,
       (SELECT count(*) FROM pg_index WHERE indrelid = 'snap.opp'::regclass) AS indexes,
       (SELECT count(*) FROM snap.won) = (SELECT count(*) FROM snap.opp WHERE is_won) AS view_follows;
SET ROLE regress_snap_reader;
SELECT count(*) > 0 AS reader_sees_view FROM snap.won;
RESET ROLE;
SELECT snaptest.diff('snap.opp', snaptest.file('r50.json'));

-- Another session for concurrency, cancel and kill tests.
CREATE EXTENSION dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              current_setting('unix_socket_directories'), current_setting('port')) AS connstr \gset
SELECT dblink_connect('other', :'connstr');
SELECT max(run_id) AS runs_before FROM salesforce_fdw.refresh_runs \gset

-- One refresh per target at a time: while another session holds the target's refresh lock, a
-- refresh fails clearly, or waits with wait => true (here until lock_timeout).
SELECT * FROM dblink('other', $$SELECT pg_advisory_lock(salesforce_fdw.refresh_lock_key('snap.opp'))::text$$) AS t(locked text);
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp');
SET lock_timeout = '300ms';
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', wait => true);
RESET lock_timeout;
-- other targets are not blocked; refused calls are not runs
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd', quiet => true);
SELECT target, status FROM salesforce_fdw.refresh_runs WHERE run_id > :runs_before ORDER BY run_id;
SELECT * FROM dblink('other', $$SELECT pg_advisory_unlock(salesforce_fdw.refresh_lock_key('snap.opp'))::text$$) AS t(unlocked text);
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT status FROM snaptest.last_run('snap.opp');

-- Readers never see a half-done refresh: a full refresh in the other session is held right
-- after its upsert (a test trigger waits for a lock this session holds); this session still
-- reads the previous snapshot, then the new one once it commits.
SELECT snaptest.sh(format('round 51 %s', snaptest.file('r51.json')));
CREATE TEMP TABLE copy_51 AS SELECT * FROM snap.opp;
CREATE FUNCTION snaptest.pause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(4242);
    RETURN NULL;
END $$;
CREATE TRIGGER pause AFTER INSERT ON snap.opp FOR EACH STATEMENT EXECUTE FUNCTION snaptest.pause();
SELECT pg_advisory_lock(4242);
SELECT * FROM dblink('other', 'SELECT pg_backend_pid()') AS t(pid int) \gset other_
SET snaptest.other_pid = :'other_pid';
SELECT dblink_send_query('other', $$CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'full', quiet => true)$$);
DO $$
BEGIN
    FOR i IN 1 .. 600 LOOP
        EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE pid = current_setting('snaptest.other_pid')::int
                                                         AND wait_event = 'advisory');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT snaptest.changed('snap.opp', 'copy_51') AS rows_changed_while_running;
SELECT pg_advisory_unlock(4242);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT snaptest.changed('snap.opp', 'copy_51') > 0 AS changed_after_commit,
       snaptest.diff('snap.opp', snaptest.file('r51.json'));
DROP TRIGGER pause ON snap.opp;

-- A failure after rows were already upserted (here a test trigger refusing the deletes) rolls
-- everything back: the target and the watermark stay as they were; the run is recorded failed,
-- and a rerun converges.
SELECT snaptest.sh(format('round 52 %s', snaptest.file('r52.json')));
CREATE TEMP TABLE copy_52 AS SELECT * FROM snap.opp;
SELECT watermark AS wm52 FROM salesforce_fdw.snapshots WHERE target = 'snap.opp' \gset
CREATE FUNCTION snaptest.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'simulated failure while deleting' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER refuse BEFORE DELETE ON snap.opp FOR EACH ROW EXECUTE FUNCTION snaptest.refuse();
\set VERBOSITY terse
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
\set VERBOSITY default
SELECT snaptest.changed('snap.opp', 'copy_52') AS rows_changed,
       (SELECT watermark FROM salesforce_fdw.snapshots WHERE target = 'snap.opp') = :'wm52'::timestamptz AS watermark_kept;
SELECT mode, status, error_sqlstate, error = 'simulated failure while deleting' AS error_recorded,
       rows_upserted, watermark_after FROM snaptest.last_run('snap.opp');
SELECT status, last_error = 'simulated failure while deleting' AS last_error_recorded
  FROM salesforce_fdw.snapshots WHERE target = 'snap.opp';
DROP TRIGGER refuse ON snap.opp;
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT r.status, r.watermark_before = :'wm52'::timestamptz AS started_from_old_watermark, s.status AS snapshot_status
  FROM snaptest.last_run('snap.opp') r, salesforce_fdw.snapshots s WHERE s.target = 'snap.opp';
SELECT snaptest.diff('snap.opp', snaptest.file('r52.json'));

-- A statement cancel (statement_timeout) in the middle of a run, while it waits to write:
-- the target is unchanged and the run is recorded failed.
SELECT snaptest.sh(format('round 53 %s', snaptest.file('r53.json')));
CREATE TEMP TABLE copy_53 AS SELECT * FROM snap.opp;
SELECT max(run_id) AS runs_before FROM salesforce_fdw.refresh_runs \gset
SET snaptest.runs_before = :'runs_before';
SELECT dblink_exec('other', $$SET statement_timeout = '2s'$$);
BEGIN;
LOCK TABLE snap.opp IN EXCLUSIVE MODE;
SELECT dblink_send_query('other', $$CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true)$$);
DO $$
BEGIN
    FOR i IN 1 .. 600 LOOP
        EXIT WHEN EXISTS (SELECT FROM salesforce_fdw.refresh_runs
                           WHERE target = 'snap.opp' AND status = 'failed'
                             AND run_id > current_setting('snaptest.runs_before')::bigint);
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
COMMIT;
SELECT * FROM dblink_get_result('other', false) AS t(result text);
SELECT * FROM dblink_get_result('other') AS t(result text);
SELECT dblink_exec('other', 'RESET statement_timeout');
SELECT status, error_sqlstate, error FROM snaptest.last_run('snap.opp');
SELECT snaptest.changed('snap.opp', 'copy_53') AS rows_changed;

-- A backend killed in the middle of a run: its run stays 'running' (nobody can record it);
-- the next run marks it failed and starts from the old watermark.
SELECT watermark AS wm53 FROM salesforce_fdw.snapshots WHERE target = 'snap.opp' \gset
BEGIN;
LOCK TABLE snap.opp IN EXCLUSIVE MODE;
SELECT dblink_send_query('other', $$CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true)$$);
DO $$
BEGIN
    FOR i IN 1 .. 600 LOOP
        EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE pid = current_setting('snaptest.other_pid')::int
                                                         AND wait_event_type = 'Lock');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT pg_terminate_backend(:other_pid, 10000);
COMMIT;
SELECT dblink_disconnect('other');
SELECT status, error FROM snaptest.last_run('snap.opp');
SELECT snaptest.changed('snap.opp', 'copy_53') AS rows_changed;
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT status, error LIKE 'run did not finish: backend % ended while it was running' AS marked_failed
  FROM salesforce_fdw.refresh_runs WHERE target = 'snap.opp' AND run_id > :runs_before ORDER BY run_id;
SELECT watermark_before = :'wm53'::timestamptz AS started_from_old_watermark FROM snaptest.last_run('snap.opp');
SELECT snaptest.diff('snap.opp', snaptest.file('r53.json'));

-- Inside a transaction block there are no intermediate commits: the run works, and is
-- recorded with the data, so ROLLBACK undoes both.
SELECT max(run_id) AS runs_before FROM salesforce_fdw.refresh_runs \gset
SELECT snaptest.sh(format('round 54 %s', snaptest.file('r54.json')));
BEGIN;
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT mode, status, in_transaction_block FROM snaptest.last_run('snap.opp');
SELECT snaptest.diff('snap.opp', snaptest.file('r54.json'));
ROLLBACK;
SELECT count(*) AS runs_after_rollback FROM salesforce_fdw.refresh_runs WHERE run_id > :runs_before;
BEGIN;
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
COMMIT;
SELECT status, in_transaction_block FROM snaptest.last_run('snap.opp');
SELECT snaptest.diff('snap.opp', snaptest.file('r54.json'));

-- Faults from Salesforce in the middle of a run (a server without retries, so that each fault
-- is final): 503s, a dropped connection, an expired session that cannot be renewed, the API
-- limit. Each leaves the target and the watermark as they were; a rerun converges.
CREATE SERVER emulator_noretry FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client', batch_size '500', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER emulator_noretry
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA sf_nr;
CREATE FOREIGN TABLE sf_nr.opp (
  id text, is_deleted boolean, account_id text, name text, description text, stage_name text,
  amount numeric, probability numeric, expected_revenue numeric,
  total_opportunity_quantity numeric, close_date date, type text, next_step text,
  lead_source text, is_closed boolean, is_won boolean, forecast_category_name text,
  currency_iso_code text, owner_id text, created_date timestamptz, created_by_id text,
  last_modified_date timestamptz, last_modified_by_id text, system_modstamp timestamptz,
  last_activity_date date, fiscal_quarter integer, fiscal_year integer
) SERVER emulator_noretry OPTIONS (object 'Opportunity');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
-- fault_prepare: a round of changes (dumped), a copy of the target and its watermark, then
-- the fault is armed; fault_check: the target and watermark against them, and the run's record.
CREATE TEMP TABLE fault_state (watermark timestamptz);
CREATE FUNCTION snaptest.fault_prepare(round int, setup text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM snaptest.sh(format('round %s %s', round, snaptest.file('fault.json')));
    IF to_regclass('pg_temp.copy_f') IS NOT NULL THEN
        DROP TABLE copy_f;
    END IF;
    CREATE TEMP TABLE copy_f AS SELECT * FROM snap.opp_f;
    DELETE FROM fault_state;
    INSERT INTO fault_state SELECT watermark FROM salesforce_fdw.snapshots WHERE target = 'snap.opp_f';
    IF setup IS NOT NULL THEN
        PERFORM snaptest.sh(setup);
    END IF;
END $$;
CREATE FUNCTION snaptest.fault_check(cleanup text)
RETURNS TABLE (run_status text, error_recorded boolean, rows_changed bigint, watermark_kept boolean,
               snapshot_status text)
LANGUAGE plpgsql AS $$
BEGIN
    IF cleanup IS NOT NULL THEN
        PERFORM snaptest.sh(cleanup);
    END IF;
    RETURN QUERY
    SELECT r.status, r.error IS NOT NULL AND r.error_sqlstate IS NOT NULL,
           snaptest.changed('snap.opp_f', 'copy_f'),
           s.watermark IS NOT DISTINCT FROM (SELECT watermark FROM fault_state), s.status
      FROM snaptest.last_run('snap.opp_f') r, salesforce_fdw.snapshots s WHERE s.target = 'snap.opp_f';
END $$;

-- 503 Service Unavailable from the 6th call of a full refresh on (pages of 500 rows)
SELECT snaptest.fault_prepare(61, 'fault-after 5 503 1000');
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', mode => 'full', quiet => true);
\set VERBOSITY default
SELECT * FROM snaptest.fault_check('faults-clear');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- dropped connections from the 2nd call of an incremental refresh on (the queryAll for deletes)
SELECT snaptest.fault_prepare(62, 'fault-after 1 0 1000');
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
\set VERBOSITY default
SELECT * FROM snaptest.fault_check('faults-clear');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- an expired session is renewed on the fly: the run succeeds
SELECT snaptest.fault_prepare(63, 'expire');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- sessions expiring every 3rd request during a full refresh (20 pages): the token is renewed
-- in the middle of the scan and paging goes on (query cursors belong to the user, not the
-- session), so the run succeeds without the caller noticing
SELECT snaptest.fault_prepare(66, $$faults '{"expire_every": 3}'$$);
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', mode => 'full', quiet => true);
\set VERBOSITY default
SELECT * FROM snaptest.fault_check('faults-clear');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- an expired session that cannot be renewed (the refresh token was revoked)
SELECT snaptest.fault_prepare(64, 'expire');
ALTER USER MAPPING FOR CURRENT_USER SERVER emulator_noretry OPTIONS (SET refresh_token 'revoked');
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
\set VERBOSITY default
ALTER USER MAPPING FOR CURRENT_USER SERVER emulator_noretry OPTIONS (SET refresh_token 'sf-emulator-refresh');
SELECT * FROM snaptest.fault_check(NULL);
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- the org's daily API limit is exhausted (403 REQUEST_LIMIT_EXCEEDED)
SELECT snaptest.fault_prepare(65, 'api-usage 100000');
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
\set VERBOSITY default
SELECT * FROM snaptest.fault_check('api-usage 0');
CALL salesforce_fdw.refresh('sf_nr.opp', 'snap.opp_f', quiet => true);
SELECT status, snaptest.diff('snap.opp_f', snaptest.file('fault.json')) FROM snaptest.last_run('snap.opp_f');

-- Columns added to the foreign table are added to the target (and filled: the run is full);
-- columns gone from it are kept, with a notice.
CREATE FOREIGN TABLE sf.opp_evo (id text, is_deleted boolean, name text, stage_name text,
                                 system_modstamp timestamptz)
  SERVER emulator OPTIONS (object 'Opportunity');
CALL salesforce_fdw.refresh('sf.opp_evo', 'snap.evo', quiet => true);
ALTER FOREIGN TABLE sf.opp_evo ADD COLUMN amount numeric(18,2), DROP COLUMN stage_name;
CALL salesforce_fdw.refresh('sf.opp_evo', 'snap.evo', quiet => true);
SELECT mode, status FROM snaptest.last_run('snap.evo');
CALL salesforce_fdw.refresh('sf.opp_evo', 'snap.evo', quiet => true);
SELECT mode, status FROM snaptest.last_run('snap.evo');
\d snap.evo
SELECT count(*) = count(stage_name) AS stage_names_kept,
       count(amount) = (SELECT count(amount) FROM sf.opportunity) AS amounts_filled
  FROM snap.evo;

-- Errors: wrong arguments are refused before a run starts; problems with the source are
-- recorded as failed runs.
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', mode => 'partial');
CALL salesforce_fdw.refresh('snap.opp', 'snap.copy');
CALL salesforce_fdw.refresh('sf.opportunity', 'a.b.c');
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.bad_cursor', cursor => 'Name');
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.bad_cursor', cursor => 'NoSuchField__c');
CALL salesforce_fdw.refresh('sf.won_opportunity', 'snap.won_opps');
SELECT to_regclass('snap.bad_cursor') AS bad_cursor_table, to_regclass('snap.won_opps') AS won_opps_table;
SELECT target, status, last_error FROM salesforce_fdw.snapshots
 WHERE target IN ('snap.bad_cursor', 'snap.won_opps') ORDER BY target;
-- incremental needs IsDeleted (a full refresh does not)
CREATE FOREIGN TABLE sf.opp_nodel (id text, name text, system_modstamp timestamptz)
  SERVER emulator OPTIONS (object 'Opportunity');
CALL salesforce_fdw.refresh('sf.opp_nodel', 'snap.nodel', quiet => true);
CALL salesforce_fdw.refresh('sf.opp_nodel', 'snap.nodel', quiet => true);
SELECT mode, status, error_sqlstate FROM salesforce_fdw.refresh_runs WHERE target = 'snap.nodel' ORDER BY run_id;

-- refresh_all: every registered snapshot, past failures, which it reports at the end.
DELETE FROM salesforce_fdw.snapshots WHERE target IN ('snap.bad_cursor', 'snap.won_opps');
SELECT max(run_id) AS runs_before FROM salesforce_fdw.refresh_runs \gset
CALL salesforce_fdw.refresh_all(quiet => true);
SELECT target, mode, status FROM salesforce_fdw.refresh_runs WHERE run_id > :runs_before ORDER BY target;
SELECT target, status, watermark IS NOT NULL AS has_watermark, row_count > 0 AS has_rows
  FROM salesforce_fdw.snapshots ORDER BY target;

-- An incremental refresh with nothing changed is cheap: at most 3 API calls for the object
-- (here the changed-rows query and the deleted-rows queryAll, one page each).
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
SELECT mode, rows_upserted, rows_deleted, api_calls, api_calls <= 3 AS at_most_3_calls
  FROM salesforce_fdw.refresh_runs WHERE target = 'snap.opp' ORDER BY run_id DESC LIMIT 1;

-- A first load inserts straight into the empty target. Should an Id come twice (Salesforce
-- does not send that; here a trigger refuses the first row as a duplicate key would), the
-- insert is undone and the run takes the staging path: the snapshot is still complete.
CREATE TABLE snap.dup (LIKE snap.opp INCLUDING ALL);
CREATE SEQUENCE snaptest.dup_inserts;
CREATE FUNCTION snaptest.refuse_first_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('snaptest.dup_inserts') = 1 THEN
        RAISE unique_violation USING MESSAGE = 'duplicate key value (simulated)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_first_row BEFORE INSERT ON snap.dup
    FOR EACH ROW EXECUTE FUNCTION snaptest.refuse_first_row();
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.dup', mode => 'full', quiet => true);
SELECT mode, status, rows_upserted = (SELECT count(*) FROM sf.opportunity) AS all_rows
  FROM snaptest.last_run('snap.dup');
SELECT (SELECT last_value FROM snaptest.dup_inserts) > 1 AS inserted_again,
       (SELECT count(*) FROM ((TABLE snap.dup EXCEPT ALL SELECT * FROM sf.opportunity)
                              UNION ALL (SELECT * FROM sf.opportunity EXCEPT ALL TABLE snap.dup)) d)
         AS differing_rows;
DROP TABLE snap.dup;
DELETE FROM salesforce_fdw.snapshots WHERE target = 'snap.dup';

-- Scheduling needs pg_cron in this database.
SELECT * FROM salesforce_fdw.schedule('sf.opportunity', 'snap.opp');
SELECT salesforce_fdw.unschedule('snap.opp');

-- The state is readable by everyone.
SELECT has_table_privilege('regress_snap_reader', 'salesforce_fdw.snapshots', 'SELECT') AS read_snapshots,
       has_table_privilege('regress_snap_reader', 'salesforce_fdw.refresh_runs', 'SELECT') AS read_runs,
       has_table_privilege('regress_snap_reader', 'salesforce_fdw.snapshots', 'UPDATE') AS write_snapshots;

DROP VIEW snap.won;
REVOKE ALL ON snap.opp FROM regress_snap_reader;
REVOKE ALL ON SCHEMA snap FROM regress_snap_reader;
DROP ROLE regress_snap_reader;
