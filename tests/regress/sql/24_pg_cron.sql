-- Scheduled refreshes with pg_cron (the cluster runs with shared_preload_libraries = 'pg_cron',
-- cron.database_name = this database, cron.host = the socket directory).
\i tests/regress/sql/include/objects.sql
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE EXTENSION pg_cron;
CREATE SCHEMA cronsnap;

-- A full refresh every minute (pg_cron 1.4 has minute granularity) and an incremental one
-- every 30 minutes. Jobs are named after the target, so scheduling again updates them.
SELECT job_name, schedule, command
  FROM salesforce_fdw.schedule('sf.opportunity', 'cronsnap.opp', full_cron => '* * * * *',
                               incremental_cron => '*/30 * * * *');
SELECT job_name, schedule
  FROM salesforce_fdw.schedule('sf.opportunity', 'cronsnap.opp', full_cron => '* * * * *',
                               incremental_cron => '*/30 * * * *');
SELECT jobname, schedule, command, database = current_database() AS this_database, active
  FROM cron.job ORDER BY jobname;

-- Wait (up to 100 s) for the scheduler to run the refresh.
DO $$
BEGIN
    FOR i IN 1 .. 200 LOOP
        EXIT WHEN EXISTS (SELECT FROM salesforce_fdw.refresh_runs
                           WHERE target = 'cronsnap.opp' AND status = 'succeeded')
              AND EXISTS (SELECT FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                           WHERE j.jobname LIKE '%cronsnap.opp' AND d.status = 'succeeded');
        PERFORM pg_sleep(0.5);
    END LOOP;
END $$;
SELECT mode, status, rows_read = (SELECT count(*) FROM cronsnap.opp) AS read_all_rows, run_by
  FROM salesforce_fdw.refresh_runs
 WHERE target = 'cronsnap.opp' AND status = 'succeeded' ORDER BY run_id LIMIT 1;
SELECT d.status, d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname LIKE '%cronsnap.opp' AND d.status = 'succeeded' ORDER BY d.runid LIMIT 1;
-- (the next minute's run may have started meanwhile: running is fine, failed is not)
SELECT status IN ('succeeded', 'running') AS not_failed,
       row_count = (SELECT count(*) FROM cronsnap.opp) AS row_count_ok,
       watermark IS NOT NULL AS has_watermark
  FROM salesforce_fdw.snapshots WHERE target = 'cronsnap.opp';

-- NULL for one kind drops that job; unschedule drops the rest.
SELECT job_name, schedule
  FROM salesforce_fdw.schedule('sf.opportunity', 'cronsnap.opp', full_cron => '0 3 * * *',
                               incremental_cron => NULL);
SELECT jobname, schedule FROM cron.job ORDER BY jobname;
SELECT salesforce_fdw.unschedule('cronsnap.opp');
SELECT salesforce_fdw.unschedule('cronsnap.opp');
SELECT count(*) AS jobs FROM cron.job;

-- The defaults: nightly full at 02:00 (GMT, pg_cron's clock) and incremental every two hours.
SELECT job_name, schedule FROM salesforce_fdw.schedule('sf.opportunity', 'cronsnap.opp');
SELECT salesforce_fdw.unschedule('cronsnap.opp');

DROP EXTENSION pg_cron;
