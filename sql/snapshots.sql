-- salesforce_fdw snapshots (DESIGN.md section 7): local copies of Salesforce foreign tables,
-- refreshed in full or incrementally, with their state and run history, and pg_cron schedules.
--
-- Part of the extension script (loaded with extension_sql_file!); everything lives in schema
-- salesforce_fdw, which CREATE EXTENSION creates. No dependency on pg_cron: its functions are
-- called through dynamic SQL only when schedule()/unschedule() run.
--
-- Public API:
--   CALL salesforce_fdw.refresh(source regclass, target text, mode text DEFAULT 'incremental'
--        (or 'full', or 'formulas': re-read only Id and the formula columns),
--        cursor text DEFAULT NULL, lookback interval DEFAULT NULL, wait boolean DEFAULT false,
--        quiet boolean DEFAULT false)
--   CALL salesforce_fdw.refresh_all(mode text DEFAULT 'incremental', quiet boolean DEFAULT false)
--   SELECT * FROM salesforce_fdw.schedule(source, target, full_cron, incremental_cron)
--   SELECT salesforce_fdw.unschedule(target)
--   salesforce_fdw.snapshots, salesforce_fdw.refresh_runs (state and history)
--   salesforce_fdw.refresh_lock_key(target) (the advisory lock key of a target's refresh)

-------------------------------------------------------------------------------------------------
-- State

CREATE TABLE salesforce_fdw.snapshots (
    target                    text PRIMARY KEY,   -- schema-qualified local table
    source                    text NOT NULL,      -- schema-qualified foreign table
    object                    text,               -- Salesforce object (the table's "object" option)
    cursor_field              text NOT NULL DEFAULT 'SystemModstamp',
    cursor_column             name,               -- the foreign table's column for cursor_field
    lookback                  interval NOT NULL DEFAULT '5 minutes',
    watermark                 timestamptz,        -- largest cursor value read (server time)
    last_full_refresh         timestamptz,        -- when the last successful full run finished
    last_incremental_refresh  timestamptz,        -- same for incremental runs
    row_count                 bigint,
    formula_columns           name[],             -- columns whose values change without the cursor moving
    last_formula_refresh      timestamptz,        -- when mode 'formulas' last re-read them
    status                    text NOT NULL DEFAULT 'new'
                              CHECK (status IN ('new', 'running', 'succeeded', 'failed')),
    last_run_id               bigint,
    last_error                text,               -- of the last failed run (kept after successes)
    last_error_at             timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    owner                     name NOT NULL       -- the role that made the snapshot (sees and refreshes it)
);
COMMENT ON TABLE salesforce_fdw.snapshots IS
  'One row per snapshot target kept by salesforce_fdw.refresh: source, cursor, watermark, last runs, status';

CREATE TABLE salesforce_fdw.refresh_runs (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target            text NOT NULL,
    source            text NOT NULL,
    requested_mode    text NOT NULL,       -- what the caller asked for
    mode              text,                -- what ran (the first run is always full)
    cursor_field      text,
    window_start      timestamptz,         -- incremental: rows with cursor >= window_start were read
    watermark_before  timestamptz,
    watermark_after   timestamptz,
    started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz,
    duration          interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    rows_read         bigint,
    rows_upserted     bigint,              -- inserted or changed (unchanged rows are not rewritten)
    rows_deleted      bigint,
    api_calls         bigint,              -- salesforce_fdw.api_calls() difference
    status            text NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'succeeded', 'failed')),
    error             text,
    error_sqlstate    text,
    error_detail      text,
    in_transaction_block boolean NOT NULL DEFAULT false,  -- CALL ran inside BEGIN ... COMMIT
    backend_pid       integer NOT NULL DEFAULT pg_backend_pid(),
    run_by            name NOT NULL,       -- the role that ran it
    owner             name NOT NULL        -- the snapshot's owner (who may read this row)
);
CREATE INDEX refresh_runs_target_idx ON salesforce_fdw.refresh_runs (target, run_id);
COMMENT ON TABLE salesforce_fdw.refresh_runs IS
  'One row per salesforce_fdw.refresh run: mode, times, rows read/upserted/deleted, API calls, status, error';

-- Privileges (docs/snapshots.md, "Privileges"): a role reads only the rows of its own
-- snapshots (row-level security), and writes them only through the procedures below, whose
-- few state-writing functions are SECURITY DEFINER and check who calls. Superusers and members
-- of salesforce_fdw_admin read every row. Everything else a refresh does (read the source,
-- write the target) runs as the caller, with the caller's privileges.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'salesforce_fdw_admin') THEN
        CREATE ROLE salesforce_fdw_admin NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE salesforce_fdw_admin IS
  'Members read every salesforce_fdw snapshot and run (salesforce_fdw.snapshots, refresh_runs)';
GRANT USAGE ON SCHEMA salesforce_fdw TO PUBLIC;
REVOKE ALL ON salesforce_fdw.snapshots, salesforce_fdw.refresh_runs FROM PUBLIC;
GRANT SELECT ON salesforce_fdw.snapshots, salesforce_fdw.refresh_runs TO PUBLIC;
ALTER TABLE salesforce_fdw.snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE salesforce_fdw.refresh_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_snapshots ON salesforce_fdw.snapshots FOR SELECT
    USING (owner OPERATOR(pg_catalog.=) current_user
           OR pg_catalog.pg_has_role(current_user, 'salesforce_fdw_admin', 'USAGE'));
CREATE POLICY own_runs ON salesforce_fdw.refresh_runs FOR SELECT
    USING (owner OPERATOR(pg_catalog.=) current_user
           OR pg_catalog.pg_has_role(current_user, 'salesforce_fdw_admin', 'USAGE'));

-- pg_dump keeps the state with the data.
SELECT pg_catalog.pg_extension_config_dump('salesforce_fdw.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('salesforce_fdw.refresh_runs', '');
SELECT pg_catalog.pg_extension_config_dump('salesforce_fdw.refresh_runs_run_id_seq', '');

-------------------------------------------------------------------------------------------------
-- Helpers

-- The schema-qualified, quoted name of a table target (existing or to be created).
CREATE FUNCTION salesforce_fdw._target_name(target text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    rel oid := pg_catalog.to_regclass(target);
    parts text[];
    nsp text;
BEGIN
    IF rel IS NOT NULL THEN
        SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO STRICT nsp
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = rel;
        RETURN nsp;
    END IF;
    parts := pg_catalog.parse_ident(target);
    IF pg_catalog.array_length(parts, 1) = 1 THEN
        nsp := pg_catalog.current_schema();
        IF nsp IS NULL THEN
            RAISE EXCEPTION 'no schema has been selected to create snapshot table "%" in', target
                USING ERRCODE = 'invalid_schema_name', HINT = 'Give the target as schema.table.';
        END IF;
        RETURN pg_catalog.format('%I.%I', nsp, parts[1]);
    ELSIF pg_catalog.array_length(parts, 1) = 2 THEN
        RETURN pg_catalog.format('%I.%I', parts[1], parts[2]);
    END IF;
    RAISE EXCEPTION 'invalid snapshot target name "%"', target
        USING ERRCODE = 'invalid_name', HINT = 'Give the target as table or schema.table.';
END
$$;

CREATE FUNCTION salesforce_fdw._qualified(rel regclass) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel
$$;

-- The session advisory lock key that serializes the refreshes of one target. Holding it from
-- another session (pg_advisory_lock(salesforce_fdw.refresh_lock_key('x'))) blocks x's refreshes.
CREATE FUNCTION salesforce_fdw.refresh_lock_key(target text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT (pg_catalog.hashtext('salesforce_fdw.refresh')::bigint << 32)
         | (pg_catalog.hashtext(salesforce_fdw._target_name(target))::bigint & 4294967295)
$$;

-- API calls made by this backend, or NULL when the library does not count them.
CREATE FUNCTION salesforce_fdw._api_calls() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint;
BEGIN
    IF pg_catalog.to_regprocedure('salesforce_fdw.api_calls()') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT salesforce_fdw.api_calls()::bigint' INTO n;
    RETURN n;
END
$$;

-- Whether this CALL may COMMIT: at the start of a top-level CALL (or DO) its transaction began
-- with the statement; inside BEGIN ... COMMIT the transaction is older than the statement. After
-- a COMMIT inside a procedure the new transaction is younger than the statement.
CREATE FUNCTION salesforce_fdw._can_commit() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.now() >= pg_catalog.statement_timestamp()
$$;

-- Everything refresh needs to know about a source foreign table.
CREATE FUNCTION salesforce_fdw._source_columns(source regclass)
RETURNS TABLE (attnum smallint, col name, coltype text, field text, has_field_option boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    kind "char";
    wrapper name;
BEGIN
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = source;
    IF kind IS DISTINCT FROM 'f' THEN
        RAISE EXCEPTION '"%" is not a foreign table', source
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'The source of a snapshot is a salesforce_fdw foreign table.';
    END IF;
    SELECT w.fdwname INTO wrapper
      FROM pg_catalog.pg_foreign_table ft
      JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
      JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
     WHERE ft.ftrelid = source;
    IF wrapper IS DISTINCT FROM 'salesforce_fdw' THEN
        RAISE EXCEPTION 'foreign table "%" does not belong to salesforce_fdw', source
            USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN QUERY
    SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
           COALESCE(o.option_value, salesforce_fdw.field_of_column(a.attname::text)),
           o.option_value IS NOT NULL
      FROM pg_catalog.pg_attribute a
      LEFT JOIN LATERAL (SELECT t.option_value FROM pg_catalog.pg_options_to_table(a.attfdwoptions) t
                          WHERE t.option_name = 'field') o ON true
     WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum;
END
$$;

-- Columns of a source whose values can change while its SystemModstamp stays: formula fields
-- (column option formula 'true', which IMPORT FOREIGN SCHEMA sets from describe) and amounts
-- read through convertCurrency() (they follow the conversion rates).
CREATE FUNCTION salesforce_fdw._formula_columns(source regclass) RETURNS name[]
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.array_agg(a.attname ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
       AND EXISTS (SELECT FROM pg_catalog.pg_options_to_table(a.attfdwoptions) o
                    WHERE (o.option_name = 'formula'
                           AND pg_catalog.lower(o.option_value) IN ('true', 'on', 'yes', '1'))
                       OR (o.option_name = 'field'
                           AND pg_catalog.lower(pg_catalog.btrim(o.option_value)) LIKE 'convertcurrency(%'))
$$;

-- The role a refresh runs for, as seen from inside a SECURITY DEFINER function (where
-- current_user is the extension's owner): the role SET ROLE chose, else the session's user
-- (a login as that role, or the pg_cron job of that role).
CREATE FUNCTION salesforce_fdw._invoker() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user)::name
$$;

-- Superusers and members of salesforce_fdw_admin.
CREATE FUNCTION salesforce_fdw._is_admin(who name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = who), false)
        OR pg_catalog.pg_has_role(who, 'salesforce_fdw_admin', 'USAGE')
$$;

-- Whether this backend holds the refresh lock of a target (so it is inside its refresh).
CREATE FUNCTION salesforce_fdw._holds_refresh_lock(target text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_locks l
                    WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid()
                      AND l.classid = ((salesforce_fdw.refresh_lock_key(target) >> 32) & 4294967295)::oid
                      AND l.objid = (salesforce_fdw.refresh_lock_key(target) & 4294967295)::oid
                      AND l.objsubid = 1 AND l.granted)
$$;

-- The checks of every state-writing function: the caller is inside the target's refresh, and
-- the snapshot (if any) is its own.
CREATE FUNCTION salesforce_fdw._check_state_access(target text) RETURNS name
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := salesforce_fdw._invoker();
    owned_by name;
BEGIN
    IF NOT salesforce_fdw._holds_refresh_lock(target) THEN
        RAISE EXCEPTION 'snapshot state of % is written by salesforce_fdw.refresh only', target
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT s.owner INTO owned_by FROM salesforce_fdw.snapshots s WHERE s.target = _check_state_access.target;
    IF owned_by IS NOT NULL AND owned_by <> who AND NOT salesforce_fdw._is_admin(who) THEN
        RAISE EXCEPTION 'snapshot % belongs to role %', target, owned_by
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Each role refreshes its own snapshots; choose another target, or ask a member of salesforce_fdw_admin.';
    END IF;
    RETURN who;
END
$$;

-- A run starts: stale runs of the target are closed, the snapshot is created (owned by the
-- caller) or marked running, and the run is recorded. Returns the run and the old watermark.
CREATE FUNCTION salesforce_fdw._state_begin(
    p_target text, p_source text, p_mode text, p_in_transaction boolean,
    OUT run bigint, OUT watermark_before timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := salesforce_fdw._check_state_access(p_target);
BEGIN
    -- Runs left 'running' died with their backend: this one holds the lock they held.
    UPDATE salesforce_fdw.refresh_runs rr
       SET status = 'failed', finished_at = pg_catalog.clock_timestamp(),
           error = pg_catalog.format('run did not finish: backend %s ended while it was running', rr.backend_pid)
     WHERE rr.target = p_target AND rr.status = 'running';
    INSERT INTO salesforce_fdw.snapshots AS s (target, source, status, owner)
    VALUES (p_target, p_source, 'running', who)
    ON CONFLICT (target) DO UPDATE SET status = 'running';
    SELECT s.watermark INTO watermark_before FROM salesforce_fdw.snapshots s WHERE s.target = p_target;
    INSERT INTO salesforce_fdw.refresh_runs
           (target, source, requested_mode, watermark_before, in_transaction_block, run_by, owner)
    SELECT p_target, p_source, p_mode, watermark_before, p_in_transaction, who, s.owner
      FROM salesforce_fdw.snapshots s WHERE s.target = p_target
    RETURNING run_id INTO run;
    UPDATE salesforce_fdw.snapshots s SET last_run_id = run WHERE s.target = p_target;
END
$$;

-- A run ends well (the figures of salesforce_fdw._refresh_work).
CREATE FUNCTION salesforce_fdw._state_succeeded(
    p_run bigint, p_target text, p_mode text, p_cursor_field text, p_window_start timestamptz,
    p_watermark timestamptz, p_rows_read bigint, p_rows_upserted bigint, p_rows_deleted bigint,
    p_api_calls bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM salesforce_fdw._check_state_access(p_target);
    UPDATE salesforce_fdw.refresh_runs rr
       SET mode = p_mode, cursor_field = p_cursor_field, window_start = p_window_start,
           watermark_after = p_watermark, finished_at = pg_catalog.clock_timestamp(),
           rows_read = p_rows_read, rows_upserted = p_rows_upserted, rows_deleted = p_rows_deleted,
           api_calls = p_api_calls, status = 'succeeded'
     WHERE rr.run_id = p_run AND rr.target = p_target AND rr.status = 'running';
END
$$;

-- A run fails: the run and the snapshot record the error; the snapshot's data is untouched.
CREATE FUNCTION salesforce_fdw._state_failed(
    p_run bigint, p_target text, p_api_calls bigint, p_error text, p_sqlstate text,
    p_detail text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM salesforce_fdw._check_state_access(p_target);
    UPDATE salesforce_fdw.refresh_runs rr
       SET finished_at = pg_catalog.clock_timestamp(), api_calls = p_api_calls, status = 'failed',
           error = p_error, error_sqlstate = p_sqlstate, error_detail = NULLIF(p_detail, '')
     WHERE rr.run_id = p_run AND rr.target = p_target AND rr.status = 'running';
    UPDATE salesforce_fdw.snapshots s
       SET status = 'failed', last_error = p_error, last_error_at = pg_catalog.clock_timestamp()
     WHERE s.target = p_target;
END
$$;

-- The snapshot's new state, in the same transaction as its data (salesforce_fdw._refresh_work).
CREATE FUNCTION salesforce_fdw._state_snapshot(
    p_target text, p_source text, p_object text, p_cursor_field text, p_cursor_column name,
    p_lookback interval, p_watermark timestamptz, p_mode text, p_row_count bigint,
    p_formula_columns name[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM salesforce_fdw._check_state_access(p_target);
    IF p_mode = 'formulas' THEN
        UPDATE salesforce_fdw.snapshots s
           SET formula_columns = p_formula_columns,
               last_formula_refresh = pg_catalog.clock_timestamp(), status = 'succeeded'
         WHERE s.target = p_target;
        RETURN;
    END IF;
    UPDATE salesforce_fdw.snapshots s
       SET source = p_source, object = p_object, cursor_field = p_cursor_field,
           cursor_column = p_cursor_column, lookback = p_lookback, watermark = p_watermark,
           last_full_refresh = CASE WHEN p_mode = 'full' THEN pg_catalog.clock_timestamp() ELSE s.last_full_refresh END,
           last_incremental_refresh = CASE WHEN p_mode = 'incremental' THEN pg_catalog.clock_timestamp()
                                           ELSE s.last_incremental_refresh END,
           row_count = p_row_count, formula_columns = p_formula_columns,
           last_formula_refresh = CASE WHEN p_mode = 'full' THEN pg_catalog.clock_timestamp()
                                       ELSE s.last_formula_refresh END,
           status = 'succeeded'
     WHERE s.target = p_target;
END
$$;

-- Re-raises a caught error with its code, message, detail and hint.
CREATE FUNCTION salesforce_fdw._reraise(code text, msg text, detail text, hint text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE(detail, '') <> '' AND COALESCE(hint, '') <> '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg, DETAIL = detail, HINT = hint;
    ELSIF COALESCE(detail, '') <> '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg, DETAIL = detail;
    ELSIF COALESCE(hint, '') <> '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg, HINT = hint;
    ELSE
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg;
    END IF;
END
$$;

-- Drops the staging tables of a refresh (quietly).
CREATE FUNCTION salesforce_fdw._drop_staging() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_temp.salesforce_fdw_refresh_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.salesforce_fdw_refresh_rows;
    END IF;
    IF pg_catalog.to_regclass('pg_temp.salesforce_fdw_refresh_deleted') IS NOT NULL THEN
        DROP TABLE pg_temp.salesforce_fdw_refresh_deleted;
    END IF;
END
$$;

-- The keys of a snapshot table refresh creates: a primary key on id, an index on the cursor.
CREATE FUNCTION salesforce_fdw._index_target(p_target text, idcol name, curcol name)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD PRIMARY KEY (%I)', p_target, idcol);
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (%I)', p_target, curcol);
END
$$;

-- Mode 'formulas': reads Id and the formula columns of the live rows and updates the target's
-- rows whose values differ. Returns (rows read, rows updated).
CREATE FUNCTION salesforce_fdw._refresh_formulas(
    snap salesforce_fdw.snapshots, p_source regclass, p_target text, tgt_oid oid, idcol name,
    delcol name, formulas name[], added_cols text,
    OUT rows_read bigint, OUT rows_updated bigint)
LANGUAGE plpgsql AS $$
DECLARE
    src text := salesforce_fdw._qualified(p_source);
    sel text;
    setlist text;
    cmp_t text;
    cmp_s text;
BEGIN
    IF snap.last_full_refresh IS NULL OR tgt_oid IS NULL THEN
        RAISE EXCEPTION 'mode ''formulas'' needs a snapshot of "%": none has been made yet', p_target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run a full refresh first: CALL salesforce_fdw.refresh(..., mode => ''full'').';
    END IF;
    IF snap.source IS DISTINCT FROM src OR added_cols IS NOT NULL THEN
        RAISE EXCEPTION 'the snapshot "%" was made from another source or other columns', p_target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run a full or incremental refresh first.';
    END IF;
    IF formulas IS NULL THEN
        RAISE EXCEPTION 'foreign table % has no formula columns', src
            USING ERRCODE = 'undefined_column',
                  HINT = 'IMPORT FOREIGN SCHEMA marks formula fields with the column option formula ''true''; convertCurrency() columns count too. ALTER FOREIGN TABLE ... ALTER COLUMN ... OPTIONS (ADD formula ''true'') marks one by hand.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY o),
           pg_catalog.string_agg(pg_catalog.format('%I = s.%I', c, c), ', ' ORDER BY o),
           pg_catalog.string_agg(pg_catalog.format('t.%I', c), ', ' ORDER BY o),
           pg_catalog.string_agg(pg_catalog.format('s.%I', c), ', ' ORDER BY o)
      INTO sel, setlist, cmp_t, cmp_s
      FROM pg_catalog.unnest(formulas) WITH ORDINALITY AS u(c, o);
    PERFORM salesforce_fdw._drop_staging();
    EXECUTE pg_catalog.format('CREATE TEMP TABLE salesforce_fdw_refresh_rows ON COMMIT DROP AS SELECT %I, %s FROM %s%s',
                              idcol, sel, src, CASE WHEN delcol IS NOT NULL
                                                    THEN pg_catalog.format(' WHERE NOT %I', delcol) ELSE '' END);
    GET DIAGNOSTICS rows_read = ROW_COUNT;
    EXECUTE pg_catalog.format(
        'UPDATE %s t SET %s FROM pg_temp.salesforce_fdw_refresh_rows s WHERE t.%I = s.%I AND ROW(%s) IS DISTINCT FROM ROW(%s)',
        p_target, setlist, idcol, idcol, cmp_t, cmp_s);
    GET DIAGNOSTICS rows_updated = ROW_COUNT;
    PERFORM salesforce_fdw._drop_staging();
END
$$;

-------------------------------------------------------------------------------------------------
-- The work of one run, in functions with one job each: the source's columns, the mode, the
-- target's table, then the rows (a first load straight into the target, or staging, upsert
-- and deletes). Each raises on any problem; the caller rolls back and records it.

-- What a refresh reads of its source: its object, its columns (name, type), and the columns of
-- the Id, IsDeleted (NULL when absent) and cursor fields, with the cursor's SOQL field name.
CREATE FUNCTION salesforce_fdw._refresh_source(
    p_source regclass, p_cursor text,
    OUT obj text, OUT cols name[], OUT types text[], OUT idcol name, OUT delcol name,
    OUT curcol name, OUT curfield text)
LANGUAGE plpgsql AS $$
DECLARE
    src text := salesforce_fdw._qualified(p_source);
    fields text[];
    field_opts boolean[];
    i int;
BEGIN
    SELECT pg_catalog.array_agg(c.col ORDER BY c.attnum), pg_catalog.array_agg(c.coltype ORDER BY c.attnum),
           pg_catalog.array_agg(c.field ORDER BY c.attnum), pg_catalog.array_agg(c.has_field_option ORDER BY c.attnum)
      INTO cols, types, fields, field_opts
      FROM salesforce_fdw._source_columns(p_source) c;
    SELECT t.option_value INTO obj
      FROM pg_catalog.pg_foreign_table ft, pg_catalog.pg_options_to_table(ft.ftoptions) t
     WHERE ft.ftrelid = p_source AND t.option_name = 'object';
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(cols, 1), 0) LOOP
        IF pg_catalog.lower(fields[i]) = 'id' AND idcol IS NULL THEN
            idcol := cols[i];
        ELSIF pg_catalog.lower(fields[i]) = 'isdeleted' AND delcol IS NULL AND types[i] = 'boolean' THEN
            delcol := cols[i];
        END IF;
    END LOOP;
    IF idcol IS NULL THEN
        RAISE EXCEPTION 'foreign table "%" has no column for the Id field', src
            USING ERRCODE = 'undefined_column',
                  HINT = 'A snapshot is keyed on the record id: add a column "id text".';
    END IF;

    FOR i IN 1 .. pg_catalog.array_length(cols, 1) LOOP
        IF pg_catalog.lower(cols[i]) = pg_catalog.lower(p_cursor)
           OR pg_catalog.lower(fields[i]) = pg_catalog.lower(p_cursor)
           OR pg_catalog.lower(fields[i]) = pg_catalog.lower(salesforce_fdw.field_of_column(p_cursor)) THEN
            curcol := cols[i];
            IF types[i] <> 'timestamp with time zone' THEN
                RAISE EXCEPTION 'cursor column "%" of "%" is %, not timestamptz', curcol, src, types[i]
                    USING ERRCODE = 'datatype_mismatch';
            END IF;
            curfield := CASE pg_catalog.lower(fields[i])
                            WHEN 'systemmodstamp' THEN 'SystemModstamp'
                            WHEN 'lastmodifieddate' THEN 'LastModifiedDate'
                            ELSE CASE WHEN field_opts[i] THEN fields[i] ELSE p_cursor END
                        END;
            EXIT;
        END IF;
    END LOOP;
    IF curcol IS NULL THEN
        RAISE EXCEPTION 'foreign table "%" has no column for the cursor field "%"', src, p_cursor
            USING ERRCODE = 'undefined_column',
                  HINT = 'Add a timestamptz column for it, e.g. "system_modstamp timestamptz" or "last_modified_date timestamptz".';
    END IF;
END
$$;

-- The mode a run takes: an incremental one needs a complete earlier copy of this source with
-- this cursor and these columns, else it runs full (with a NOTICE saying why).
CREATE FUNCTION salesforce_fdw._refresh_mode(
    p_mode text, snap salesforce_fdw.snapshots, src text, p_target text, tgt_oid oid,
    curcol name, delcol name, added_cols text, p_quiet boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    reason text;
BEGIN
    IF p_mode <> 'incremental' THEN
        RETURN p_mode;
    END IF;
    reason := CASE
        WHEN snap.last_full_refresh IS NULL THEN 'first refresh'
        WHEN tgt_oid IS NULL THEN 'target table is missing'
        WHEN snap.source IS DISTINCT FROM src THEN 'source changed from ' || snap.source
        WHEN snap.cursor_column IS DISTINCT FROM curcol THEN 'cursor changed from ' || snap.cursor_field
        WHEN added_cols IS NOT NULL THEN 'new column(s) ' || added_cols
    END;
    IF reason IS NOT NULL THEN
        IF NOT p_quiet THEN
            RAISE NOTICE 'salesforce_fdw: % of %: running a full refresh', reason, p_target;
        END IF;
        RETURN 'full';
    END IF;
    IF delcol IS NULL THEN
        RAISE EXCEPTION 'incremental refresh of "%" needs the IsDeleted field', p_target
            USING ERRCODE = 'undefined_column',
                  DETAIL = pg_catalog.format('Foreign table %s has no boolean column mapped to IsDeleted, so deletions cannot be read.', src),
                  HINT = pg_catalog.format('ALTER FOREIGN TABLE %s ADD COLUMN is_deleted boolean; or use mode => ''full''.', src);
    END IF;
    RETURN 'incremental';
END
$$;

-- The target: created like the source (its primary key on id and the index on the cursor
-- column come after the first load, built at once rather than row by row: `created`), or
-- brought up to the source's columns, with a unique index on id and an index on the cursor.
CREATE FUNCTION salesforce_fdw._refresh_target(
    p_target text, src text, cols name[], types text[], idcol name, curcol name,
    INOUT tgt_oid oid, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    tgt_kind "char";
    missing_cols text;
    columns_sql text;
    i int;
BEGIN
    created := false;
    IF tgt_oid IS NULL THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', c, t), ', ' ORDER BY o)
          INTO columns_sql FROM unnest(cols, types) WITH ORDINALITY AS u(c, t, o);
        EXECUTE pg_catalog.format('CREATE TABLE %s (%s)', p_target, columns_sql);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', p_target,
                                  pg_catalog.format('Snapshot of %s (salesforce_fdw.refresh)', src));
        tgt_oid := pg_catalog.to_regclass(p_target);
        created := true;
        RETURN;
    END IF;
    SELECT c.relkind INTO tgt_kind FROM pg_catalog.pg_class c WHERE c.oid = tgt_oid;
    IF tgt_kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', p_target USING ERRCODE = 'wrong_object_type';
    END IF;
    FOR i IN 1 .. pg_catalog.array_length(cols, 1) LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = tgt_oid AND a.attname = cols[i] AND NOT a.attisdropped) THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s', p_target, cols[i], types[i]);
            RAISE NOTICE 'salesforce_fdw: added column "%" (%) to %', cols[i], types[i], p_target;
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO missing_cols
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = tgt_oid AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> ALL (cols);
    IF missing_cols IS NOT NULL THEN
        RAISE NOTICE 'salesforce_fdw: column(s) % of % no longer in %: kept, no longer refreshed', missing_cols, p_target, src
            USING HINT = 'Drop them from the target yourself if they are not needed any more.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_index x
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                    WHERE x.indrelid = tgt_oid AND x.indisunique AND x.indisvalid AND x.indnkeyatts = 1
                      AND x.indpred IS NULL AND x.indexprs IS NULL AND a.attname = idcol) THEN
        RAISE EXCEPTION 'target "%" has no unique index on "%"', p_target, idcol
            USING ERRCODE = 'invalid_table_definition',
                  HINT = pg_catalog.format('ALTER TABLE %s ADD PRIMARY KEY (%I);', p_target, idcol);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_index x
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                    WHERE x.indrelid = tgt_oid AND a.attname = curcol) THEN
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (%I)', p_target, curcol);
    END IF;
END
$$;

-- A full refresh into an empty target (the first one) has nothing to reconcile: the rows go
-- from the source straight into the target, without the staging copy. Salesforce returns a
-- record once per query; should an Id still come twice, the primary key refuses it, the
-- subtransaction is undone and false comes back: the run then takes the staging path, which
-- keeps the newest. `rows_loaded` is NULL then.
CREATE FUNCTION salesforce_fdw._refresh_first_load(
    p_target text, src text, sel text, delcol name, idcol name, curcol name, created boolean,
    OUT loaded boolean, OUT rows_loaded bigint, OUT watermark timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE pg_catalog.format('SELECT NOT EXISTS (SELECT FROM %s)', p_target) INTO loaded;
    IF loaded THEN
        BEGIN
            EXECUTE pg_catalog.format('INSERT INTO %s (%s) SELECT %s FROM %s%s',
                                      p_target, sel, sel, src, CASE WHEN delcol IS NOT NULL
                                      THEN pg_catalog.format(' WHERE NOT %I', delcol) ELSE '' END);
            GET DIAGNOSTICS rows_loaded = ROW_COUNT;
            IF created THEN
                PERFORM salesforce_fdw._index_target(p_target, idcol, curcol);
            END IF;
        EXCEPTION WHEN unique_violation THEN
            loaded := false;
            rows_loaded := NULL;
        END;
    END IF;
    IF loaded THEN
        EXECUTE pg_catalog.format('SELECT pg_catalog.max(%I) FROM %s', curcol, p_target) INTO watermark;
    END IF;
END
$$;

-- The rows of a run through a staging table, before the target is touched: full reads every
-- row, incremental the window (watermark minus lookback) and the deletions queryAll reports in
-- it. Then new and changed rows are upserted (unchanged ones left alone: no dead tuples, no
-- WAL), and rows deleted: full removes what Salesforce no longer has, incremental what was
-- reported deleted. The window is a literal, so it is sent as SOQL and no cached plan is reused.
CREATE FUNCTION salesforce_fdw._refresh_merge(
    p_mode text, snap salesforce_fdw.snapshots, p_target text, src text, sel text,
    cols name[], types text[], idcol name, delcol name, curcol name, v_lookback interval,
    OUT rows_read bigint, OUT rows_upserted bigint, OUT rows_deleted bigint,
    OUT watermark timestamptz, OUT row_count bigint, OUT window_start timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    setlist text;
    cmp_t text;
    cmp_e text;
    upsert text;
    max_seen timestamptz;
    n_deleted_read bigint := 0;
    inserted bigint;
BEGIN
    IF p_mode = 'full' THEN
        EXECUTE pg_catalog.format('CREATE TEMP TABLE salesforce_fdw_refresh_rows ON COMMIT DROP AS SELECT %s FROM %s%s',
                                  sel, src, CASE WHEN delcol IS NOT NULL
                                                 THEN pg_catalog.format(' WHERE NOT %I', delcol) ELSE '' END);
    ELSE
        window_start := snap.watermark - v_lookback;
        EXECUTE pg_catalog.format('CREATE TEMP TABLE salesforce_fdw_refresh_rows ON COMMIT DROP AS SELECT %s FROM %s WHERE NOT %I%s',
                                  sel, src, delcol,
                                  CASE WHEN window_start IS NOT NULL
                                       THEN pg_catalog.format(' AND %I >= %L::timestamptz', curcol, window_start) ELSE '' END);
        EXECUTE pg_catalog.format('CREATE TEMP TABLE salesforce_fdw_refresh_deleted ON COMMIT DROP AS SELECT %I AS id, %I AS modstamp FROM %s WHERE %I%s',
                                  idcol, curcol, src, delcol,
                                  CASE WHEN window_start IS NOT NULL
                                       THEN pg_catalog.format(' AND %I >= %L::timestamptz', curcol, window_start) ELSE '' END);
        SELECT pg_catalog.count(*), pg_catalog.max(d.modstamp) INTO n_deleted_read, max_seen
          FROM pg_temp.salesforce_fdw_refresh_deleted d;
    END IF;
    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*), pg_catalog.max(%I) FROM pg_temp.salesforce_fdw_refresh_rows', curcol)
       INTO rows_read, watermark;
    max_seen := GREATEST(max_seen, watermark);
    rows_read := rows_read + n_deleted_read;

    SELECT pg_catalog.string_agg(pg_catalog.format('%I = EXCLUDED.%I', c, c), ', ' ORDER BY o),
           pg_catalog.string_agg(CASE WHEN t IN ('json', 'xml') THEN pg_catalog.format('t.%I::text', c)
                                      ELSE pg_catalog.format('t.%I', c) END, ', ' ORDER BY o),
           pg_catalog.string_agg(CASE WHEN t IN ('json', 'xml') THEN pg_catalog.format('EXCLUDED.%I::text', c)
                                      ELSE pg_catalog.format('EXCLUDED.%I', c) END, ', ' ORDER BY o)
      INTO setlist, cmp_t, cmp_e
      FROM unnest(cols, types) WITH ORDINALITY AS u(c, t, o)
     WHERE c <> idcol;
    upsert := pg_catalog.format(
        'INSERT INTO %s AS t (%s) SELECT DISTINCT ON (%I) %s FROM pg_temp.salesforce_fdw_refresh_rows'
        ' ORDER BY %I, %I DESC NULLS LAST ON CONFLICT (%I) ',
        p_target, sel, idcol, sel, idcol, curcol, idcol);
    IF setlist IS NULL THEN
        upsert := upsert || 'DO NOTHING';
    ELSE
        upsert := upsert || pg_catalog.format('DO UPDATE SET %s WHERE ROW(%s) IS DISTINCT FROM ROW(%s)',
                                              setlist, cmp_t, cmp_e);
    END IF;
    EXECUTE 'WITH u AS (' || upsert || ' RETURNING (t.xmax = 0) AS inserted)'
            ' SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE inserted) FROM u'
       INTO rows_upserted, inserted;

    IF p_mode = 'full' THEN
        EXECUTE pg_catalog.format(
            'DELETE FROM %s t WHERE NOT EXISTS (SELECT FROM pg_temp.salesforce_fdw_refresh_rows s WHERE s.%I = t.%I)',
            p_target, idcol, idcol);
        GET DIAGNOSTICS rows_deleted = ROW_COUNT;
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(DISTINCT %I) FROM pg_temp.salesforce_fdw_refresh_rows', idcol)
           INTO row_count;
        watermark := max_seen;
    ELSE
        EXECUTE pg_catalog.format(
            'DELETE FROM %s t USING pg_temp.salesforce_fdw_refresh_deleted d WHERE t.%I = d.id',
            p_target, idcol);
        GET DIAGNOSTICS rows_deleted = ROW_COUNT;
        row_count := COALESCE(snap.row_count, 0) + inserted - rows_deleted;
        watermark := GREATEST(snap.watermark, max_seen);
    END IF;
    PERFORM salesforce_fdw._drop_staging();
END
$$;

-- One run, inside the caller's (sub)transaction: returns the run's figures.
CREATE FUNCTION salesforce_fdw._refresh_work(
    p_run bigint, p_source regclass, p_target text, p_mode text, p_cursor text,
    p_lookback interval, p_quiet boolean,
    OUT mode text, OUT rows_read bigint, OUT rows_upserted bigint, OUT rows_deleted bigint,
    OUT watermark timestamptz, OUT row_count bigint, OUT window_start timestamptz,
    OUT cursor_field text)
LANGUAGE plpgsql AS $$
DECLARE
    src text := salesforce_fdw._qualified(p_source);
    snap salesforce_fdw.snapshots;
    source record;
    v_lookback interval;
    tgt_oid oid;
    created boolean;
    sel text;
    added_cols text;
    loaded boolean := false;
    loaded_rows bigint;
    loaded_watermark timestamptz;
    merged record;
    formulas name[] := salesforce_fdw._formula_columns(p_source);
BEGIN
    SELECT * INTO STRICT snap FROM salesforce_fdw.snapshots s WHERE s.target = p_target;
    SELECT * INTO STRICT source
      FROM salesforce_fdw._refresh_source(p_source, COALESCE(p_cursor, snap.cursor_field, 'SystemModstamp'));
    cursor_field := source.curfield;
    v_lookback := COALESCE(p_lookback, snap.lookback, interval '5 minutes');
    IF v_lookback < interval '0' THEN
        RAISE EXCEPTION 'lookback must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Source columns the target lacks (added to the foreign table since the last run).
    tgt_oid := pg_catalog.to_regclass(p_target);
    IF tgt_oid IS NOT NULL THEN
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY o) INTO added_cols
          FROM pg_catalog.unnest(source.cols) WITH ORDINALITY AS u(c, o)
         WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                            WHERE a.attrelid = tgt_oid AND a.attname = u.c AND NOT a.attisdropped);
    END IF;
    mode := salesforce_fdw._refresh_mode(p_mode, snap, src, p_target, tgt_oid, source.curcol,
                                         source.delcol, added_cols, p_quiet);

    -- Formula columns only: Id and those columns are read (cheap), and changed values written.
    IF mode = 'formulas' THEN
        SELECT * INTO rows_read, rows_upserted
          FROM salesforce_fdw._refresh_formulas(snap, p_source, p_target, tgt_oid, source.idcol,
                                                source.delcol, formulas, added_cols);
        rows_deleted := 0;
        watermark := snap.watermark;
        row_count := snap.row_count;
        PERFORM salesforce_fdw._state_snapshot(p_target, src, source.obj, source.curfield,
                                               source.curcol, v_lookback, snap.watermark,
                                               'formulas', snap.row_count, formulas);
        RETURN;
    END IF;
    IF mode = 'incremental' AND formulas IS NOT NULL AND NOT p_quiet THEN
        RAISE NOTICE 'salesforce_fdw: formula column(s) % of % can change without % moving: this run does not re-read unchanged rows',
                     pg_catalog.array_to_string(formulas, ', '), p_target, source.curfield
            USING HINT = pg_catalog.format('CALL salesforce_fdw.refresh(%L, %L, mode => ''formulas'') re-reads them (Id and those columns only); a full refresh does too.', src, p_target);
    END IF;

    SELECT t.tgt_oid, t.created INTO tgt_oid, created
      FROM salesforce_fdw._refresh_target(p_target, src, source.cols, source.types, source.idcol,
                                          source.curcol, tgt_oid) t;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ' ORDER BY o) INTO sel
      FROM pg_catalog.unnest(source.cols) WITH ORDINALITY AS u(c, o);
    PERFORM salesforce_fdw._drop_staging();

    IF mode = 'full' THEN
        SELECT f.loaded, f.rows_loaded, f.watermark INTO loaded, loaded_rows, loaded_watermark
          FROM salesforce_fdw._refresh_first_load(p_target, src, sel, source.delcol, source.idcol,
                                                  source.curcol, created) f;
    END IF;
    IF created AND NOT loaded THEN
        -- Undone with the subtransaction, or not loaded directly: the keys come first.
        PERFORM salesforce_fdw._index_target(p_target, source.idcol, source.curcol);
    END IF;
    IF loaded THEN
        rows_upserted := loaded_rows;
        rows_read := loaded_rows;
        rows_deleted := 0;
        row_count := loaded_rows;
        watermark := loaded_watermark;
    ELSE
        SELECT * INTO STRICT merged
          FROM salesforce_fdw._refresh_merge(mode, snap, p_target, src, sel, source.cols,
                                             source.types, source.idcol, source.delcol,
                                             source.curcol, v_lookback);
        rows_read := merged.rows_read;
        rows_upserted := merged.rows_upserted;
        rows_deleted := merged.rows_deleted;
        watermark := merged.watermark;
        row_count := merged.row_count;
        window_start := merged.window_start;
    END IF;

    -- The new state, in the same transaction as the data.
    PERFORM salesforce_fdw._state_snapshot(p_target, src, source.obj, source.curfield,
                                           source.curcol, v_lookback, _refresh_work.watermark,
                                           mode, _refresh_work.row_count, formulas);
END
$$;

-- What a refresh needs of its caller, checked before anything is recorded: SELECT on the
-- source, and the target's ownership (or, for a new target, CREATE on its schema, which the
-- CREATE TABLE checks itself).
CREATE FUNCTION salesforce_fdw._check_privileges(source regclass, target text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    tgt regclass := pg_catalog.to_regclass(target);
    table_owner oid;
BEGIN
    IF NOT pg_catalog.has_table_privilege(source, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for foreign table %', salesforce_fdw._qualified(source)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF tgt IS NOT NULL THEN
        SELECT c.relowner INTO table_owner FROM pg_catalog.pg_class c WHERE c.oid = tgt;
        IF NOT pg_catalog.pg_has_role(current_user, table_owner, 'USAGE') THEN
            RAISE EXCEPTION 'must be owner of table %', salesforce_fdw._qualified(tgt)
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'A snapshot is refreshed by the owner of its target table.';
        END IF;
    END IF;
END
$$;

-------------------------------------------------------------------------------------------------
-- One refresh: lock, record the run and commit, work, record the outcome and commit, unlock.
-- p_reraise false: failures are reported through failed/error instead of raised (refresh_all).

CREATE PROCEDURE salesforce_fdw._refresh(
    p_source regclass, p_target text, p_mode text, p_cursor text, p_lookback interval,
    p_wait boolean, p_quiet boolean, p_can_commit boolean, p_reraise boolean,
    INOUT failed boolean DEFAULT NULL, INOUT error text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    tgt text;
    src text;
    key bigint;
    run bigint;
    a0 bigint;
    calls bigint;
    r record;
    wm_before timestamptz;
    old_progress text;
    e_code text;
    e_msg text;
    e_detail text;
    e_hint text;
    locked boolean := false;
BEGIN
    failed := false;
    error := NULL;
    IF p_can_commit THEN
        COMMIT;  -- fails here, before anything happened, if the caller cannot commit after all
    END IF;

    -- Before the run exists: arguments, the lock, the run row (not recorded when refused).
    BEGIN
        IF p_mode IS NULL OR p_mode NOT IN ('full', 'incremental', 'formulas') THEN
            RAISE EXCEPTION 'invalid refresh mode "%"', p_mode
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use ''full'', ''incremental'' or ''formulas'' (re-reads the formula columns only).';
        END IF;
        IF p_source IS NULL OR p_target IS NULL THEN
            RAISE EXCEPTION 'refresh needs a source and a target' USING ERRCODE = 'null_value_not_allowed';
        END IF;
        src := salesforce_fdw._qualified(p_source);
        tgt := salesforce_fdw._target_name(p_target);
        key := salesforce_fdw.refresh_lock_key(tgt);
        IF p_can_commit THEN
            -- A session lock this backend still holds can only be left over from an interrupted run.
            WHILE EXISTS (SELECT FROM pg_catalog.pg_locks l
                           WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid()
                             AND l.classid = ((key >> 32) & 4294967295)::oid
                             AND l.objid = (key & 4294967295)::oid AND l.objsubid = 1 AND l.granted) LOOP
                EXIT WHEN NOT pg_catalog.pg_advisory_unlock(key);
            END LOOP;
            IF p_wait THEN
                PERFORM pg_catalog.pg_advisory_lock(key);
            ELSE
                locked := pg_catalog.pg_try_advisory_lock(key);
            END IF;
        ELSE
            -- In a transaction block: held until it ends, so nobody refreshes on top of
            -- uncommitted changes.
            IF p_wait THEN
                PERFORM pg_catalog.pg_advisory_xact_lock(key);
            ELSE
                locked := pg_catalog.pg_try_advisory_xact_lock(key);
            END IF;
        END IF;
        IF p_wait THEN
            locked := true;
        ELSIF NOT locked THEN
            RAISE EXCEPTION 'a refresh of % is already running', tgt
                USING ERRCODE = 'lock_not_available',
                      HINT = 'Wait for it to finish, or call refresh with wait => true to queue behind it.';
        END IF;
        PERFORM salesforce_fdw._source_columns(p_source);  -- a clear error for a wrong source
        PERFORM salesforce_fdw._check_privileges(p_source, tgt);
        SELECT b.run, b.watermark_before INTO run, wm_before
          FROM salesforce_fdw._state_begin(tgt, src, p_mode, NOT p_can_commit) b;
    EXCEPTION WHEN query_canceled OR others THEN
        IF locked AND p_can_commit THEN
            PERFORM pg_catalog.pg_advisory_unlock(key);
        END IF;
        IF p_reraise THEN
            RAISE;
        END IF;
        failed := true;
        error := SQLERRM;
        RAISE WARNING 'salesforce_fdw: refresh of % failed: %', COALESCE(tgt, p_target), SQLERRM;
        RETURN;
    END;
    IF p_can_commit THEN
        COMMIT;
    END IF;

    -- The run: everything or nothing.
    a0 := salesforce_fdw._api_calls();
    old_progress := pg_catalog.current_setting('salesforce_fdw.progress_interval', true);
    BEGIN
        IF p_quiet THEN
            PERFORM pg_catalog.set_config('salesforce_fdw.progress_interval', '0', true);
        ELSIF COALESCE(old_progress, '0') IN ('0', '0s', '') THEN
            PERFORM pg_catalog.set_config('salesforce_fdw.progress_interval', '5', true);
        END IF;
        SELECT * INTO r FROM salesforce_fdw._refresh_work(run, p_source, tgt, p_mode, p_cursor, p_lookback, p_quiet) w;
        calls := salesforce_fdw._api_calls() - a0;
        PERFORM salesforce_fdw._state_succeeded(run, tgt, r.mode, r.cursor_field, r.window_start,
                                                r.watermark, r.rows_read, r.rows_upserted,
                                                r.rows_deleted, calls);
    EXCEPTION WHEN query_canceled OR others THEN
        GET STACKED DIAGNOSTICS e_code = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
                                e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
        failed := true;
        error := e_msg;
    END;
    IF old_progress IS NOT NULL THEN
        PERFORM pg_catalog.set_config('salesforce_fdw.progress_interval', old_progress, true);
    END IF;
    IF failed THEN
        calls := salesforce_fdw._api_calls() - a0;
        PERFORM salesforce_fdw._state_failed(run, tgt, calls, e_msg, e_code, e_detail);
    END IF;
    IF p_can_commit THEN
        COMMIT;
        PERFORM pg_catalog.pg_advisory_unlock(key);
    END IF;

    IF failed THEN
        IF p_reraise THEN
            PERFORM salesforce_fdw._reraise(e_code, e_msg, e_detail, e_hint);
        END IF;
        RAISE WARNING 'salesforce_fdw: refresh of % failed: %', tgt, e_msg;
    ELSIF NOT p_quiet THEN
        RAISE NOTICE 'salesforce_fdw: % refresh of % from %: % rows read, % upserted, % deleted',
                     r.mode, tgt, src, r.rows_read, r.rows_upserted, r.rows_deleted
            USING DETAIL = pg_catalog.format('%s API calls in %s s; %s rows; watermark %s (%s)',
                                             COALESCE(calls::text, 'unknown'),
                                             (SELECT pg_catalog.round(EXTRACT(epoch FROM rr.duration)::numeric, 3)
                                                FROM salesforce_fdw.refresh_runs rr WHERE rr.run_id = run),
                                             r.row_count, COALESCE(r.watermark::text, 'none'), r.cursor_field);
    END IF;
END
$$;

-------------------------------------------------------------------------------------------------
-- Public procedures

CREATE PROCEDURE salesforce_fdw.refresh(
    source regclass, target text, mode text DEFAULT 'incremental',
    "cursor" text DEFAULT NULL, lookback interval DEFAULT NULL,
    wait boolean DEFAULT false, quiet boolean DEFAULT false)
LANGUAGE plpgsql AS $$
DECLARE
    failed boolean;
    error text;
BEGIN
    CALL salesforce_fdw._refresh($1, $2, $3, $4, $5, $6, $7, salesforce_fdw._can_commit(), true,
                                 failed, error);
END
$$;
COMMENT ON PROCEDURE salesforce_fdw.refresh(regclass, text, text, text, interval, boolean, boolean) IS
  'Refreshes the local snapshot table target from the salesforce_fdw foreign table source (full or incremental)';

CREATE PROCEDURE salesforce_fdw.refresh_all(mode text DEFAULT 'incremental', quiet boolean DEFAULT false)
LANGUAGE plpgsql AS $$
DECLARE
    can_commit boolean := salesforce_fdw._can_commit();
    snap record;
    src regclass;
    failed boolean;
    err text;
    n int := 0;
    bad text[] := '{}';
BEGIN
    -- The caller's own snapshots (a superuser's: every one).
    FOR snap IN SELECT s.target, s.source FROM salesforce_fdw.snapshots s
                 WHERE s.owner = current_user
                    OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
                 ORDER BY s.target LOOP
        n := n + 1;
        src := pg_catalog.to_regclass(snap.source);
        IF src IS NULL THEN
            RAISE WARNING 'salesforce_fdw: refresh of % failed: source % does not exist', snap.target, snap.source;
            bad := bad || snap.target;
            CONTINUE;
        END IF;
        failed := NULL;
        err := NULL;
        CALL salesforce_fdw._refresh(src, snap.target, $1, NULL, NULL, false, $2, can_commit, false, failed, err);
        IF failed THEN
            bad := bad || snap.target;
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(bad) > 0 THEN
        RAISE EXCEPTION '% of % snapshot refreshes failed: %', pg_catalog.cardinality(bad), n,
                        pg_catalog.array_to_string(bad, ', ')
            USING ERRCODE = 'external_routine_exception',
                  HINT = 'The others succeeded. See salesforce_fdw.refresh_runs for the errors.';
    ELSIF NOT $2 THEN
        RAISE NOTICE 'salesforce_fdw: % % refreshes succeeded', n, $1;
    END IF;
END
$$;
COMMENT ON PROCEDURE salesforce_fdw.refresh_all(text, boolean) IS
  'Refreshes every snapshot in salesforce_fdw.snapshots, continuing past failures, then reports them';

-------------------------------------------------------------------------------------------------
-- pg_cron schedules (pg_cron is referenced dynamically: this file loads without it)

CREATE FUNCTION salesforce_fdw._require_pg_cron() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- From the catalog: a role without USAGE on schema cron cannot look names up in it.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
                     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'cron' AND p.proname = 'schedule_in_database') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', pg_catalog.current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Add pg_cron to shared_preload_libraries and set cron.database_name = ''%s'' in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_cron.',
                                           pg_catalog.current_database());
    END IF;
END
$$;

CREATE FUNCTION salesforce_fdw._job_name(kind text, target text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.format('salesforce_fdw %s refresh of %s', kind, salesforce_fdw._target_name(target))
$$;

-- pg_cron lets only superusers schedule jobs for other roles (cron.schedule_in_database), so
-- the jobs are made by a SECURITY DEFINER function; they run as the caller, who must be able to
-- run the refresh itself: SELECT on the source, and the target's ownership or CREATE on its
-- schema. Names are resolved here, as the caller.
CREATE FUNCTION salesforce_fdw.schedule(
    source regclass, target text,
    full_cron text DEFAULT '0 2 * * *', incremental_cron text DEFAULT '0 */2 * * *')
RETURNS TABLE (job_name text, job_id bigint, schedule text, command text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesforce_fdw._require_pg_cron();
    PERFORM salesforce_fdw._source_columns($1);
    RETURN QUERY SELECT * FROM salesforce_fdw._schedule_jobs(
        $1, salesforce_fdw._qualified($1), salesforce_fdw._target_name($2), $3, $4);
END
$$;

CREATE FUNCTION salesforce_fdw._schedule_jobs(
    source regclass, src text, tgt text, full_cron text, incremental_cron text)
RETURNS TABLE (job_name text, job_id bigint, schedule text, command text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := salesforce_fdw._invoker();
    tgt_oid regclass := pg_catalog.to_regclass(tgt);
    tgt_schema text := (pg_catalog.parse_ident(tgt))[1];
    kinds text[] := ARRAY['full', 'incremental'];
    crons text[] := ARRAY[full_cron, incremental_cron];
    i int;
    jid bigint;
BEGIN
    IF NOT pg_catalog.has_table_privilege(who, source, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for foreign table %', src USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF tgt_oid IS NOT NULL THEN
        IF NOT pg_catalog.pg_has_role(who, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = tgt_oid), 'USAGE') THEN
            RAISE EXCEPTION 'must be owner of table %', tgt USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF pg_catalog.to_regnamespace(pg_catalog.quote_ident(tgt_schema)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', tgt_schema USING ERRCODE = 'invalid_schema_name';
    ELSIF NOT pg_catalog.has_schema_privilege(who, pg_catalog.quote_ident(tgt_schema), 'CREATE') THEN
        RAISE EXCEPTION 'permission denied for schema %', tgt_schema USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR i IN 1 .. 2 LOOP
        job_name := salesforce_fdw._job_name(kinds[i], tgt);
        IF crons[i] IS NULL THEN
            -- no schedule of this kind: drop one left from an earlier call
            FOR jid IN EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = $2'
                       USING job_name, who LOOP
                EXECUTE 'SELECT cron.unschedule($1)' USING jid;
            END LOOP;
            CONTINUE;
        END IF;
        schedule := crons[i];
        command := pg_catalog.format('CALL salesforce_fdw.refresh(%L, %L, mode => %L, wait => true, quiet => true)',
                                     src, tgt, kinds[i]);
        -- pg_cron (>= 1.4) updates the job of the same name and user instead of adding one.
        EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4, $5)' INTO job_id
          USING job_name, schedule, command, pg_catalog.current_database(), who::text;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION salesforce_fdw.schedule(regclass, text, text, text) IS
  'Creates (or updates) the pg_cron jobs refreshing target from source: full and incremental';

CREATE FUNCTION salesforce_fdw.unschedule(target text) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesforce_fdw._require_pg_cron();
    RETURN salesforce_fdw._unschedule_jobs(salesforce_fdw._target_name($1));
END
$$;

-- The caller's own jobs of a target only (SECURITY DEFINER: cron.job shows each role its own
-- rows, and cron.unschedule is the superuser's for jobs scheduled by _schedule_jobs).
CREATE FUNCTION salesforce_fdw._unschedule_jobs(tgt text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := salesforce_fdw._invoker();
    jid bigint;
    n int := 0;
BEGIN
    FOR jid IN EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname IN ($1, $2) AND j.username = $3'
               USING salesforce_fdw._job_name('full', tgt), salesforce_fdw._job_name('incremental', tgt), who LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING jid;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION salesforce_fdw.unschedule(text) IS
  'Removes the pg_cron jobs salesforce_fdw.schedule created for target; returns how many';
