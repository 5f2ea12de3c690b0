-- IMPORT FOREIGN SCHEMA: one table per queryable object, every field type mapped, API names in
-- the object/field options, LIMIT TO / EXCEPT by API or snake_case name, naming 'api'.
\i tests/regress/sql/include/objects.sql
\set VERBOSITY default

CREATE SCHEMA imported;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER emulator INTO imported;
-- Every queryable object, none of the others (AccountChangeEvent is not queryable).
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imported'::regnamespace ORDER BY 1;

-- Every imported table returns rows, through every column; the one that needs a filter (the
-- IMPORT said so) refuses without it.
DO $$
DECLARE t record; n bigint;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'imported'::regnamespace AND c.relkind = 'f' ORDER BY 1 LOOP
    BEGIN
      EXECUTE format('SELECT count(x.*) FROM imported.%I x', t.relname) INTO n;
      RAISE NOTICE '% rows: %', t.relname, n;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE '%: %', t.relname, SQLERRM;
    END;
  END LOOP;
END $$;
-- (17_real_org reads it with the filter it needs.)

-- The type mapping, with the Salesforce field each column reads.
SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       array_to_string(a.attfdwoptions, ',') AS options
  FROM pg_attribute a
 WHERE a.attrelid = 'imported.invoice__c'::regclass AND a.attnum > 0
 ORDER BY a.attnum;
SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       array_to_string(a.attfdwoptions, ',') AS options
  FROM pg_attribute a
 WHERE a.attrelid = 'imported.task'::regclass AND a.attnum > 0
 ORDER BY a.attnum;

-- Values as the emulator holds them: a few invoices, every type.
SELECT name, amount__c, tax_rate__c, quantity__c, line_count__c, is_paid__c, due_date__c,
       paid_at__c, reminder_time__c, status__c, tags__c, location__c
  FROM imported.invoice__c ORDER BY name LIMIT 4;

-- Polymorphic references come with their type, so activities join to the right table.
SELECT t.what_type, count(*) AS tasks
  FROM imported.task t GROUP BY 1 ORDER BY 1;
SELECT count(*) AS task_opportunity_pairs,
       count(*) FILTER (WHERE o.id IS NULL) AS without_match
  FROM imported.task t LEFT JOIN imported.opportunity o ON t.what_id = o.id
 WHERE t.what_type = 'Opportunity';
SELECT count(*) AS wrong_pairs
  FROM imported.task t JOIN imported.account a ON t.what_id = a.id
 WHERE t.what_type <> 'Account';

-- LIMIT TO takes API names and snake_case names; tables are always named by the naming option.
CREATE SCHEMA picked;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO ("Invoice__c", opportunity, "USER")
  FROM SERVER emulator INTO picked;
SELECT relname FROM pg_class WHERE relnamespace = 'picked'::regnamespace ORDER BY 1;
-- EXCEPT, and naming 'api'.
CREATE SCHEMA api_named;
IMPORT FOREIGN SCHEMA salesforce EXCEPT (task, "Event", lead, contact, "Invoice__c", "User")
  FROM SERVER emulator INTO api_named OPTIONS (naming 'api');
SELECT relname FROM pg_class WHERE relnamespace = 'api_named'::regnamespace ORDER BY 1;
SELECT "StageName", count(*) FROM api_named."Opportunity" GROUP BY 1 ORDER BY 2 DESC LIMIT 3;

-- Errors name what is wrong.
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity, invoices) FROM SERVER emulator INTO picked;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (account_change_event) FROM SERVER emulator INTO picked;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER emulator INTO picked OPTIONS (nameing 'api');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER emulator INTO picked OPTIONS (naming 'camel');
-- A second import into the same schema fails on the existing tables, as with postgres_fdw.
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity) FROM SERVER emulator INTO picked;

\set VERBOSITY terse
DROP SCHEMA imported, picked, api_named CASCADE;
