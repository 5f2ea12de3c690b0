-- Snapshots (DESIGN.md section 7), keeping a copy in step: salesforce_fdw.refresh full and
-- incremental against the emulator's live data after many rounds of seeded changes, both
-- cursors, deletes, late commits, purged deletes, and a full refresh that keeps the table.
\i tests/regress/sql/include/objects.sql
\i tests/regress/sql/include/snapshots.sql
\set VERBOSITY default
\set SHOW_CONTEXT never
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
DROP VIEW snap.won;
REVOKE ALL ON snap.opp FROM regress_snap_reader;
REVOKE ALL ON SCHEMA snap FROM regress_snap_reader;
DROP ROLE regress_snap_reader;
