-- Upgrades: ALTER EXTENSION salesforce_fdw UPDATE from 0.1.0 (the previous release's install
-- script, tests/upgrade/salesforce_fdw--0.1.0.sql, which scripts/test.sh installs beside the
-- current version's) keeps snapshots, their run history and pg_cron schedules; the snapshot
-- then refreshes; and the updated extension has exactly the objects of a fresh install.
\set VERBOSITY terse
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS salesforce_fdw CASCADE;
CREATE EXTENSION salesforce_fdw VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'salesforce_fdw';
\i tests/regress/sql/include/objects.sql
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE SCHEMA upgrade_snap;

-- A snapshot made by 0.1.0: a full refresh, then an incremental one, and its schedule.
CALL salesforce_fdw.refresh('sf.opportunity', 'upgrade_snap.opp', mode => 'full', quiet => true);
CALL salesforce_fdw.refresh('sf.opportunity', 'upgrade_snap.opp', quiet => true);
SELECT job_name, schedule FROM salesforce_fdw.schedule('sf.opportunity', 'upgrade_snap.opp');
CREATE TEMP TABLE snapshots_before AS SELECT * FROM salesforce_fdw.snapshots;
CREATE TEMP TABLE runs_before AS SELECT * FROM salesforce_fdw.refresh_runs;
CREATE TEMP TABLE jobs_before AS SELECT jobid, jobname, schedule, command, username FROM cron.job;
CREATE TEMP TABLE rows_before AS SELECT * FROM upgrade_snap.opp;

ALTER EXTENSION salesforce_fdw UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'salesforce_fdw';

-- Nothing of the snapshot was lost or changed by the update.
SELECT (SELECT count(*) FROM snapshots_before) AS snapshots,
       (SELECT count(*) FROM (TABLE snapshots_before EXCEPT TABLE salesforce_fdw.snapshots) d) AS snapshots_changed,
       (SELECT count(*) FROM runs_before) AS runs,
       (SELECT count(*) FROM (TABLE runs_before EXCEPT TABLE salesforce_fdw.refresh_runs) d) AS runs_changed,
       (SELECT count(*) FROM jobs_before) AS jobs,
       (SELECT count(*) FROM (TABLE jobs_before EXCEPT SELECT jobid, jobname, schedule, command, username FROM cron.job) d) AS jobs_changed,
       (SELECT count(*) FROM (TABLE rows_before EXCEPT TABLE upgrade_snap.opp) d) AS rows_changed;

-- The snapshot refreshes after the update, incrementally from its watermark and then in full,
-- and matches its source.
CALL salesforce_fdw.refresh('sf.opportunity', 'upgrade_snap.opp', quiet => true);
CALL salesforce_fdw.refresh('sf.opportunity', 'upgrade_snap.opp', mode => 'full', quiet => true);
SELECT requested_mode, mode, status FROM salesforce_fdw.refresh_runs
 WHERE target = 'upgrade_snap.opp' ORDER BY run_id;
SELECT count(*) AS differing_rows FROM (
  (SELECT id, name, amount FROM upgrade_snap.opp EXCEPT SELECT id, name, amount FROM sf.opportunity)
  UNION ALL
  (SELECT id, name, amount FROM sf.opportunity EXCEPT SELECT id, name, amount FROM upgrade_snap.opp)) d;
SELECT salesforce_fdw.unschedule('upgrade_snap.opp');

-- The updated extension's objects, compared with a fresh install's: every member function
-- (its whole definition), relation (kind, privileges, row security), column, constraint,
-- index, policy and trigger, and every other member by its description.
CREATE FUNCTION public.extension_objects() RETURNS TABLE (kind text, name text, detail text)
LANGUAGE sql AS $$
  WITH members AS (
    SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'salesforce_fdw'),
  rels AS (SELECT c.* FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid)
  SELECT 'function', p.oid::regprocedure::text,
         CASE WHEN p.prokind = 'a' THEN '' ELSE md5(pg_get_functiondef(p.oid)) END || ' ' || coalesce(p.proacl::text, '')
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
  UNION ALL
  SELECT 'relation', c.oid::regclass::text, c.relkind::text || ' ' || coalesce(c.relacl::text, '') || ' ' || c.relrowsecurity || c.relforcerowsecurity
    FROM rels c
  UNION ALL
  SELECT 'column', a.attrelid::regclass::text || '.' || a.attname,
         format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || a.attidentity::text || a.attgenerated::text || ' ' ||
         coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') || ' ' || coalesce(a.attacl::text, '')
    FROM pg_attribute a JOIN rels c ON a.attrelid = c.oid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint', co.conrelid::regclass::text || ' ' || co.conname, pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN rels c ON co.conrelid = c.oid
  UNION ALL
  SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN rels c ON i.indrelid = c.oid
  UNION ALL
  SELECT 'policy', po.polrelid::regclass::text || ' ' || po.polname,
         po.polcmd::text || ' ' || po.polpermissive || ' ' || po.polroles::regrole[]::text || ' ' ||
         coalesce(pg_get_expr(po.polqual, po.polrelid), '') || ' ' || coalesce(pg_get_expr(po.polwithcheck, po.polrelid), '')
    FROM pg_policy po JOIN rels c ON po.polrelid = c.oid
  UNION ALL
  SELECT 'trigger', t.tgrelid::regclass::text || ' ' || t.tgname, pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN rels c ON t.tgrelid = c.oid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'member', pg_describe_object(m.classid, m.objid, 0), ''
    FROM members m WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass)
$$;
CREATE TEMP TABLE updated_objects AS SELECT * FROM public.extension_objects();
DROP SCHEMA upgrade_snap CASCADE;
DROP EXTENSION salesforce_fdw CASCADE;
CREATE EXTENSION salesforce_fdw;
CREATE TEMP TABLE fresh_objects AS SELECT * FROM public.extension_objects();
SELECT count(*) > 50 AS many_objects, array_agg(DISTINCT kind ORDER BY kind) AS kinds FROM fresh_objects;
SELECT 'only after the update' AS where_, * FROM (TABLE updated_objects EXCEPT TABLE fresh_objects) d
UNION ALL
SELECT 'only in a fresh install', * FROM (TABLE fresh_objects EXCEPT TABLE updated_objects) d
ORDER BY 1, 2, 3;

DROP FUNCTION public.extension_objects();
DROP EXTENSION pg_cron;
