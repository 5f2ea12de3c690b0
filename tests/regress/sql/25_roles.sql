-- Snapshots for every role (issue 15): a role with USAGE on the server, its own user mapping,
-- SELECT on the source and CREATE on its schema refreshes and schedules its own snapshots,
-- with no grant on the extension's tables; it sees and changes only its own state.
-- Self-contained: its own roles, server, tables and pg_cron.
\getenv main_url SF_EMULATOR_URL
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS salesforce_fdw;
CREATE EXTENSION IF NOT EXISTS pg_cron;
RESET client_min_messages;
CREATE ROLE ana LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
CREATE SERVER roles_sf FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'main_url', client_id 'sf-emulator-client');
GRANT USAGE ON FOREIGN SERVER roles_sf TO ana, bob, carol;
CREATE USER MAPPING FOR ana SERVER roles_sf
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE USER MAPPING FOR bob SERVER roles_sf
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE USER MAPPING FOR CURRENT_USER SERVER roles_sf
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA ana AUTHORIZATION ana;
CREATE SCHEMA bob AUTHORIZATION bob;
CREATE SCHEMA carol AUTHORIZATION carol;
CREATE FOREIGN TABLE public.roles_opp (id text, name text, amount numeric, is_deleted boolean,
  system_modstamp timestamptz) SERVER roles_sf OPTIONS (object 'Opportunity');
CREATE FOREIGN TABLE public.roles_accounts (id text, name text)
  SERVER roles_sf OPTIONS (object 'Account');
GRANT SELECT ON public.roles_opp TO ana, bob, carol;

-- ana: a full refresh, an incremental one, her state, and a schedule, with nothing granted on
-- salesforce_fdw's tables.
SET ROLE ana;
CALL salesforce_fdw.refresh('public.roles_opp', 'ana.opp', quiet => true);
CALL salesforce_fdw.refresh('public.roles_opp', 'ana.opp', quiet => true);
SELECT target, owner, status, row_count = (SELECT count(*) FROM ana.opp) AS row_count_right
  FROM salesforce_fdw.snapshots ORDER BY target;
SELECT target, mode, status, run_by, owner FROM salesforce_fdw.refresh_runs ORDER BY run_id;
SELECT count(*) > 0 AS rows_copied FROM ana.opp;
-- Her state changes only through the procedures: direct writes are refused, and so is a call of
-- a state-writing function outside a refresh.
UPDATE salesforce_fdw.snapshots SET watermark = now() WHERE target = 'ana.opp';
INSERT INTO salesforce_fdw.refresh_runs (target, source, requested_mode, run_by, owner)
  VALUES ('ana.opp', 'x', 'full', 'ana', 'ana');
SELECT salesforce_fdw._state_snapshot('ana.opp', 'public.roles_opp', 'Opportunity',
  'SystemModstamp', 'system_modstamp', '5 minutes', now() + interval '1 year', 'incremental', 0, NULL);
SELECT job_name, schedule FROM salesforce_fdw.schedule('public.roles_opp', 'ana.opp',
  full_cron => '* * * * *', incremental_cron => NULL);
RESET ROLE;
SELECT jobname, username, command FROM cron.job ORDER BY jobname;
-- pg_cron runs the job as ana (wait up to 100 s for it).
DO $$
BEGIN
    FOR i IN 1 .. 200 LOOP
        EXIT WHEN (SELECT count(*) FROM salesforce_fdw.refresh_runs
                    WHERE target = 'ana.opp' AND status = 'succeeded') >= 3;
        PERFORM pg_sleep(0.5);
    END LOOP;
END $$;
SELECT mode, status, run_by, owner FROM salesforce_fdw.refresh_runs
 WHERE target = 'ana.opp' ORDER BY run_id LIMIT 3;

-- bob sees none of ana's state, cannot change it, cannot refresh into her table or take her
-- target's name, cannot read a source he has no SELECT on, and cannot drop her jobs; his own
-- snapshot works.
SET ROLE bob;
SELECT count(*) AS snapshots_seen, count(*) FILTER (WHERE target = 'ana.opp') AS of_ana
  FROM salesforce_fdw.snapshots;
SELECT count(*) AS runs_seen FROM salesforce_fdw.refresh_runs;
UPDATE salesforce_fdw.snapshots SET watermark = now() WHERE target = 'ana.opp';
DELETE FROM salesforce_fdw.refresh_runs;
CALL salesforce_fdw.refresh('public.roles_opp', 'ana.opp');
CALL salesforce_fdw.refresh('public.roles_accounts', 'bob.accounts');
SELECT salesforce_fdw.schedule('public.roles_opp', 'ana.opp');
SELECT salesforce_fdw.unschedule('ana.opp') AS ana_jobs_dropped_by_bob;
CALL salesforce_fdw.refresh('public.roles_opp', 'bob.opp', quiet => true);
SELECT target, owner, status FROM salesforce_fdw.snapshots ORDER BY target;
-- A table of bob's named like a snapshot another role already keeps (the entry is ana's).
RESET ROLE;
UPDATE salesforce_fdw.snapshots SET target = 'bob.taken' WHERE target = 'ana.opp';
SET ROLE bob;
CREATE TABLE bob.taken (id text PRIMARY KEY);
CALL salesforce_fdw.refresh('public.roles_opp', 'bob.taken');
RESET ROLE;
UPDATE salesforce_fdw.snapshots SET target = 'ana.opp' WHERE target = 'bob.taken';

-- carol has no user mapping: the error says so, and api_usage() and ANALYZE too.
SET ROLE carol;
CALL salesforce_fdw.refresh('public.roles_opp', 'carol.opp');
SELECT server, error FROM salesforce_fdw.api_usage() WHERE server = 'roles_sf';
CREATE FOREIGN TABLE carol.opp_ft (id text) SERVER roles_sf OPTIONS (object 'Opportunity');
ANALYZE carol.opp_ft;
RESET ROLE;
-- As a member of salesforce_fdw_admin she sees every snapshot.
GRANT salesforce_fdw_admin TO carol;
SET ROLE carol;
SELECT target, owner FROM salesforce_fdw.snapshots WHERE owner IN ('ana', 'bob') ORDER BY target;
SELECT count(*) > 0 AS runs_of_others FROM salesforce_fdw.refresh_runs WHERE owner IN ('ana', 'bob');
RESET ROLE;

-- A superuser still does everything.
CALL salesforce_fdw.refresh('public.roles_opp', 'ana.opp', quiet => true);
SELECT target, owner, status FROM salesforce_fdw.snapshots WHERE owner IN ('ana', 'bob') ORDER BY target;

\set VERBOSITY terse
SET ROLE ana;
SELECT salesforce_fdw.unschedule('ana.opp') AS ana_jobs_dropped;
RESET ROLE;
DELETE FROM salesforce_fdw.refresh_runs WHERE owner IN ('ana', 'bob', 'carol');
DELETE FROM salesforce_fdw.snapshots WHERE owner IN ('ana', 'bob', 'carol');
DROP SCHEMA ana, bob, carol CASCADE;
DROP FOREIGN TABLE public.roles_opp, public.roles_accounts;
DROP SERVER roles_sf CASCADE;
DROP ROLE ana, bob, carol;
DROP EXTENSION pg_cron;
