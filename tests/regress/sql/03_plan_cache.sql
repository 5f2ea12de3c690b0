-- Cached plans run again and again without crashing (supabase-wrappers 0.1.28 crashes here
-- with its own scan callbacks), and give the right rows every time.
\i tests/regress/sql/include/objects.sql
SET plan_cache_mode = force_generic_plan;
PREPARE by_stage(text) AS SELECT count(*) FROM sf.opportunity WHERE stage_name = $1;
EXECUTE by_stage('Closed Won');
EXECUTE by_stage('Closed Won');
EXECUTE by_stage('Prospecting');
PREPARE total AS SELECT count(*), sum(amount__c) FROM sf.invoice WHERE line_count__c > 0;
EXECUTE total; EXECUTE total; EXECUTE total; EXECUTE total; EXECUTE total;
EXECUTE total; EXECUTE total; EXECUTE total; EXECUTE total; EXECUTE total;
RESET plan_cache_mode;

-- PL/pgSQL runs the same static query in a loop (its plan is cached after the first runs).
CREATE FUNCTION won_counts(n integer) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    RETURN QUERY SELECT count(*) FROM sf.opportunity WHERE is_won;
  END LOOP;
END $$;
SELECT count(DISTINCT c) AS distinct_results, count(*) AS runs FROM won_counts(8) AS c;

-- A cursor fetched in pieces returns every row once.
CREATE FUNCTION cursor_pieces(piece integer)
RETURNS TABLE (pieces integer, total bigint) LANGUAGE plpgsql AS $$
DECLARE
  c refcursor;
  got bigint;
BEGIN
  pieces := 0; total := 0;
  OPEN c FOR SELECT id FROM sf.opportunity;
  LOOP
    MOVE FORWARD piece FROM c;
    GET DIAGNOSTICS got = ROW_COUNT;
    EXIT WHEN got = 0;
    pieces := pieces + 1;
    total := total + got;
  END LOOP;
  CLOSE c;
  RETURN NEXT;
END $$;
SELECT * FROM cursor_pieces(3000);
BEGIN;
DECLARE c CURSOR FOR SELECT id, stage_name FROM sf.opportunity;
MOVE FORWARD 2999 IN c;
FETCH 2 FROM c;
MOVE FORWARD ALL IN c;
FETCH 1 FROM c;
CLOSE c;
COMMIT;

-- A foreign scan under a nested loop is rescanned with the outer row's value as a runtime
-- parameter, pushed to Salesforce each time.
EXPLAIN (COSTS OFF)
SELECT s.stage, x.n
  FROM (VALUES ('Closed Won'), ('Closed Lost'), ('Prospecting')) AS s(stage),
       LATERAL (SELECT count(*) AS n FROM sf.opportunity o WHERE o.stage_name = s.stage) AS x;
\! python3 tests/emulator_log.py reset
SELECT s.stage, x.n
  FROM (VALUES ('Closed Won'), ('Closed Lost'), ('Prospecting')) AS s(stage),
       LATERAL (SELECT count(*) AS n FROM sf.opportunity o WHERE o.stage_name = s.stage) AS x;
\! python3 tests/emulator_log.py soql
SELECT stage_name, count(*) FROM sf.opportunity
 WHERE stage_name IN ('Closed Won', 'Closed Lost', 'Prospecting') GROUP BY 1 ORDER BY 1;

-- EXPLAIN shows the SOQL, and no secret.
EXPLAIN (VERBOSE, COSTS OFF) SELECT name, amount FROM sf.opportunity WHERE stage_name = 'Closed Won';
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf.won_opportunity;
