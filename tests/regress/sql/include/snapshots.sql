\set ECHO none
-- What the snapshot tests (20-23) share, for each to include so that it runs alone: the
-- data-changing script run by the server (COPY FROM PROGRAM), comparisons of a target with the
-- emulator's own copy, and schema snap for the targets. Creating them again changes nothing.
SET client_min_messages = warning;
\getenv test_tmp SF_TEST_TMP
\getenv emulator_url SF_EMULATOR_URL
\set repo `pwd`
\! mkdir -p "$SF_TEST_TMP/snapshots" && chmod 777 "$SF_TEST_TMP/snapshots"
SET snaptest.url = :'emulator_url';
SET snaptest.repo = :'repo';
SET snaptest.dir = :'test_tmp';
CREATE SCHEMA IF NOT EXISTS snaptest;
CREATE TEMP TABLE IF NOT EXISTS snaptest_out (line text);
CREATE TEMP TABLE IF NOT EXISTS emulator_rows ();
CREATE OR REPLACE FUNCTION snaptest.sh(args text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM snaptest_out;
    EXECUTE format('COPY snaptest_out FROM PROGRAM %L',
                   format('SF_EMULATOR_URL=%s python3 %s/tests/snapshots/sf_writes.py %s',
                          current_setting('snaptest.url'), current_setting('snaptest.repo'), args));
    RETURN QUERY SELECT line FROM snaptest_out;
END $$;
CREATE OR REPLACE FUNCTION snaptest.file(name text) RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('snaptest.dir') || '/snapshots/' || name
$$;
-- The emulator's records (a dump file) as rows of sf.opportunity: each column reads the key
-- whose snake_case is its name.
CREATE OR REPLACE FUNCTION snaptest.dump_rows(dump_file text) RETURNS SETOF sf.opportunity LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION snaptest.diff(target regclass, emulator regclass) RETURNS text LANGUAGE plpgsql AS $$
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
        -- (the row count is left out: it depends on the changes earlier tests made)
        RETURN 'equal';
    END IF;
    RETURN format('DIFFERENT: %s rows vs %s in the emulator, %s only in target, %s only in emulator',
                  r.n_target, r.n_emulator, r.only_target, r.only_emulator);
END $$;
CREATE OR REPLACE FUNCTION snaptest.diff(target regclass, dump_file text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.emulator_rows;
    CREATE TEMP TABLE emulator_rows AS SELECT * FROM snaptest.dump_rows(dump_file);
    RETURN snaptest.diff(target, 'pg_temp.emulator_rows'::regclass);
END $$;
-- Rows that differ between a target and a copy of it (0: unchanged).
CREATE OR REPLACE FUNCTION snaptest.changed(target regclass, copy regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE %s) UNION ALL (TABLE %s EXCEPT ALL TABLE %s)) x',
                   target, copy, copy, target) INTO n;
    RETURN n;
END $$;
CREATE OR REPLACE FUNCTION snaptest.last_run(target text) RETURNS salesforce_fdw.refresh_runs LANGUAGE sql AS $$
    SELECT * FROM salesforce_fdw.refresh_runs WHERE refresh_runs.target = $1 ORDER BY run_id DESC LIMIT 1
$$;

CREATE SCHEMA IF NOT EXISTS snap;
RESET client_min_messages;
\set ECHO all
