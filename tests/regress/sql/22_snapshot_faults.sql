-- Snapshots: faults from Salesforce in the middle of a run leave the target as it was.
\i tests/regress/sql/include/objects.sql
\i tests/regress/sql/include/snapshots.sql
\set VERBOSITY default
\set SHOW_CONTEXT never

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
