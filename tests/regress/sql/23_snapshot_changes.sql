-- Snapshots: columns added to and dropped from the source, argument and source errors,
-- refresh_all, a cheap incremental run, a first load that meets a duplicate, and the state's
-- privileges.
\i tests/regress/sql/include/objects.sql
\i tests/regress/sql/include/snapshots.sql
\set VERBOSITY default
\set SHOW_CONTEXT never
-- The snapshot this test works on (made here when the test runs alone).
CALL salesforce_fdw.refresh('sf.opportunity', 'snap.opp', quiet => true);

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
-- (its error counts every snapshot, which depends on the tests run before: only the SQLSTATE)
\set VERBOSITY sqlstate
CALL salesforce_fdw.refresh_all(quiet => true);
\set VERBOSITY default
SELECT count(*) = (SELECT count(*) FROM salesforce_fdw.snapshots) AS one_run_per_snapshot
  FROM salesforce_fdw.refresh_runs WHERE run_id > :runs_before;
SELECT target, mode, status FROM salesforce_fdw.refresh_runs
 WHERE run_id > :runs_before AND target IN ('snap.evo', 'snap.nodel', 'snap.opp') ORDER BY target;
SELECT target, status, watermark IS NOT NULL AS has_watermark, row_count > 0 AS has_rows
  FROM salesforce_fdw.snapshots WHERE target IN ('snap.evo', 'snap.nodel', 'snap.opp') ORDER BY target;

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
CREATE ROLE regress_snap_reader;
SELECT has_table_privilege('regress_snap_reader', 'salesforce_fdw.snapshots', 'SELECT') AS read_snapshots,
       has_table_privilege('regress_snap_reader', 'salesforce_fdw.refresh_runs', 'SELECT') AS read_runs,
       has_table_privilege('regress_snap_reader', 'salesforce_fdw.snapshots', 'UPDATE') AS write_snapshots;

DROP ROLE regress_snap_reader;
