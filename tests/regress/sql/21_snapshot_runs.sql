-- Snapshots: one refresh per target at a time, readers never see a half-done refresh, and a
-- failure, a cancel or a killed backend loses nothing; transaction blocks.
\i tests/regress/sql/include/objects.sql
\i tests/regress/sql/include/snapshots.sql
\set VERBOSITY default
\set SHOW_CONTEXT never
-- The snapshots this test works on (made here when the test runs alone).
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp_lmd', cursor => 'LastModifiedDate', quiet => true);

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
