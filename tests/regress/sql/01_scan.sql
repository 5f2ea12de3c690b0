-- Scans: every row and value the emulator holds, across pages, with only the needed fields.
\i tests/regress/sql/include/objects.sql
\getenv test_tmp SF_TEST_TMP
\set VERBOSITY default

-- count(*) computed here asks Salesforce for Id only, and pages through all 10,000 rows
-- (batch_size 500); computed by Salesforce (06_aggregates) it is one request.
\! python3 tests/emulator_log.py reset
SET salesforce_fdw.aggregate_pushdown = off;
SELECT count(*) FROM sf.opportunity;
RESET salesforce_fdw.aggregate_pushdown;
\! python3 tests/emulator_log.py soql

-- A query naming two columns sends only those two fields.
\! python3 tests/emulator_log.py reset
SELECT count(DISTINCT stage_name) AS stages, count(amount) AS with_amount FROM sf.opportunity;
\! python3 tests/emulator_log.py soql

-- Whole-row references need every column.
\! python3 tests/emulator_log.py reset
SELECT count(o.*) FROM sf.opportunity o;
\! python3 tests/emulator_log.py soql

-- Every row, every column, equal to the emulator's own copy of the data, NULLs included.
\! python3 tests/emulator_log.py dump Opportunity "$SF_TEST_TMP/opportunity.json"
\set dump_file :test_tmp '/opportunity.json'
CREATE TEMP TABLE emulator_opportunity AS
SELECT d->>'Id' AS id, (d->>'IsDeleted')::boolean AS is_deleted, d->>'AccountId' AS account_id,
       d->>'Name' AS name, d->>'Description' AS description, d->>'StageName' AS stage_name,
       (d->>'Amount')::numeric AS amount, (d->>'Probability')::numeric AS probability,
       (d->>'ExpectedRevenue')::numeric AS expected_revenue,
       (d->>'TotalOpportunityQuantity')::numeric AS total_opportunity_quantity,
       (d->>'CloseDate')::date AS close_date, d->>'Type' AS type, d->>'NextStep' AS next_step,
       d->>'LeadSource' AS lead_source, (d->>'IsClosed')::boolean AS is_closed,
       (d->>'IsWon')::boolean AS is_won, d->>'ForecastCategoryName' AS forecast_category_name,
       d->>'CurrencyIsoCode' AS currency_iso_code, d->>'OwnerId' AS owner_id,
       (d->>'CreatedDate')::timestamptz AS created_date, d->>'CreatedById' AS created_by_id,
       (d->>'LastModifiedDate')::timestamptz AS last_modified_date,
       d->>'LastModifiedById' AS last_modified_by_id,
       (d->>'SystemModstamp')::timestamptz AS system_modstamp,
       (d->>'LastActivityDate')::date AS last_activity_date,
       (d->>'FiscalQuarter')::integer AS fiscal_quarter, (d->>'FiscalYear')::integer AS fiscal_year
  FROM jsonb_array_elements(pg_read_file(:'dump_file')::jsonb) AS d;
CREATE TEMP TABLE fdw_opportunity AS SELECT * FROM sf.opportunity;
SELECT (SELECT count(*) FROM emulator_opportunity) AS emulator_rows,
       (SELECT count(*) FROM fdw_opportunity) AS fdw_rows,
       (SELECT count(DISTINCT id) FROM fdw_opportunity) AS distinct_ids;
SELECT count(*) AS only_in_fdw FROM (TABLE fdw_opportunity EXCEPT ALL TABLE emulator_opportunity) x;
SELECT count(*) AS only_in_emulator FROM (TABLE emulator_opportunity EXCEPT ALL TABLE fdw_opportunity) x;
-- The data has NULLs, several currencies, and amounts with cents, so the comparison means something.
SELECT count(*) FILTER (WHERE amount IS NULL) > 0 AS some_null_amounts,
       count(*) FILTER (WHERE description IS NULL) > 0 AS some_null_descriptions,
       count(DISTINCT currency_iso_code) > 2 AS several_currencies,
       count(*) FILTER (WHERE amount <> round(amount)) > 0 AS amounts_with_cents,
       bool_and(length(id) = 18) AS ids_are_18_chars
  FROM fdw_opportunity;

-- Custom object: every common field type, a relationship path, compound location as jsonb.
\! python3 tests/emulator_log.py dump Invoice__c "$SF_TEST_TMP/invoice.json"
\! python3 tests/emulator_log.py dump Account "$SF_TEST_TMP/account.json"
\set invoice_file :test_tmp '/invoice.json'
\set account_file :test_tmp '/account.json'
CREATE TEMP TABLE emulator_invoice AS
SELECT d->>'Id' AS id, d->>'Name' AS name, d->>'OwnerId' AS owner_id,
       d->>'CurrencyIsoCode' AS currency_iso_code, d->>'Account__c' AS account_id,
       a->>'Name' AS account_name, d->>'Opportunity__c' AS opportunity__c,
       (d->>'Amount__c')::numeric AS amount__c, (d->>'Tax_Rate__c')::numeric AS tax_rate__c,
       (d->>'Quantity__c')::numeric AS quantity__c, (d->>'Line_Count__c')::numeric AS line_count__c,
       (d->>'Is_Paid__c')::boolean AS is_paid__c, (d->>'Due_Date__c')::date AS due_date__c,
       (d->>'Paid_At__c')::timestamptz AS paid_at__c, (d->>'Reminder_Time__c')::time AS reminder_time__c,
       d->>'Status__c' AS status__c, string_to_array(d->>'Tags__c', ';') AS tags__c,
       d->>'Notes__c' AS notes__c, d->>'Contact_Email__c' AS contact_email__c,
       d->>'Phone__c' AS phone__c, d->>'Website__c' AS website__c,
       -- the compound field, from its components (the dump lists non-compound fields)
       CASE WHEN d->>'Location__Latitude__s' IS NOT NULL
            THEN jsonb_build_object('latitude', (d->>'Location__Latitude__s')::numeric,
                                    'longitude', (d->>'Location__Longitude__s')::numeric)
       END AS location__c,
       (d->>'Location__Latitude__s')::numeric AS location__latitude__s,
       (d->>'Location__Longitude__s')::numeric AS location__longitude__s, d->>'Memo__c' AS memo__c
  FROM jsonb_array_elements(pg_read_file(:'invoice_file')::jsonb) AS d
  LEFT JOIN jsonb_array_elements(pg_read_file(:'account_file')::jsonb) AS a ON a->>'Id' = d->>'Account__c';
CREATE TEMP TABLE fdw_invoice AS SELECT * FROM sf.invoice;
SELECT (SELECT count(*) FROM emulator_invoice) AS emulator_rows,
       (SELECT count(*) FROM fdw_invoice) AS fdw_rows;
SELECT count(*) AS only_in_fdw FROM (TABLE fdw_invoice EXCEPT ALL TABLE emulator_invoice) x;
SELECT count(*) AS only_in_emulator FROM (TABLE emulator_invoice EXCEPT ALL TABLE fdw_invoice) x;
SELECT count(*) FILTER (WHERE account_id IS NULL) > 0 AS some_without_account,
       count(*) FILTER (WHERE account_id IS NULL AND account_name IS NOT NULL) AS name_without_parent,
       count(*) FILTER (WHERE cardinality(tags__c) > 1) > 0 AS multi_tag_rows,
       count(*) FILTER (WHERE location__c ? 'latitude') > 0 AS locations,
       count(*) FILTER (WHERE memo__c ~ '[''\\%_]') > 0 AS memos_with_quotes_and_wildcards,
       count(*) FILTER (WHERE memo__c ~ '[^\x01-\x7f]') > 0 AS unicode_memos
  FROM fdw_invoice;

-- Datetimes are instants: the session time zone changes their display, not their value.
SET timezone = 'Pacific/Kiritimati';
SELECT count(*) AS same_instants
  FROM fdw_opportunity f JOIN sf.opportunity o USING (id)
 WHERE f.created_date = o.created_date AND f.close_date = o.close_date;
RESET timezone;

-- soql_where is ANDed to every query of the table; the hand-written names map to fields.
\! python3 tests/emulator_log.py reset
SELECT count(*) = (SELECT count(*) FROM fdw_opportunity WHERE is_won) AS only_won_rows,
       bool_and(stagename = 'Closed Won') AS all_closed_won
  FROM sf.won_opportunity;
\! python3 tests/emulator_log.py soql

-- Read-only: Postgres refuses writes.
INSERT INTO sf.opportunity (id) VALUES ('x');
UPDATE sf.opportunity SET name = 'x';
DELETE FROM sf.opportunity;
