-- Real Salesforce clients from the registries, pinned in tests/real-clients/ (simple-salesforce
-- from PyPI, jsforce from npm), read every opportunity from the emulator with one SOQL
-- (tests/real-clients/query.soql), each through REST query pages and a Bulk API 2.0 query job.
-- Each must see exactly the rows the FDW reads: same count, no row only on one side, with
-- datetimes compared as instants, numbers as numerics, booleans and dates as values.
\i tests/regress/sql/include/objects.sql
\set VERBOSITY default
\getenv tmp SF_TEST_TMP
-- A zone far from UTC: a datetime that lost its offset would be read in it and differ.
SET TimeZone = 'Asia/Kathmandu';

-- Installs the clients (once; again when the pins change), then each writes its two CSVs:
-- values as the client returned them, null as an unquoted empty cell.
\! tests/real-clients/install.sh
\! tests/real-clients/.venv/bin/python tests/real-clients/read_simple_salesforce.py "$SF_TEST_TMP"
\! node tests/real-clients/read_jsforce.js "$SF_TEST_TMP"

-- The FDW's rows: sf.opportunity and two relationship paths.
CREATE FOREIGN TABLE sf.opportunity_parent_names (
  id text,
  account_name text OPTIONS (field 'Account.Name'),
  owner_name text OPTIONS (field 'Owner.Name')
) SERVER emulator OPTIONS (object 'Opportunity');
CREATE TEMP TABLE fdw_row AS
  SELECT o.*, p.account_name, p.owner_name
    FROM sf.opportunity o JOIN sf.opportunity_parent_names p USING (id);
SELECT count(*) AS fdw_rows FROM fdw_row;

-- A client's CSV as text, columns named by the SOQL field paths (HEADER MATCH checks them),
-- and typed. Only `true`/`false` are booleans: anything else is NULL, which differs from every
-- FDW row. Datetimes are read with the offset the client kept (+0000 or Z).
CREATE TEMP TABLE client_csv (
  "Id" text, "IsDeleted" text, "AccountId" text, "Name" text, "Description" text,
  "StageName" text, "Amount" text, "Probability" text, "ExpectedRevenue" text,
  "TotalOpportunityQuantity" text, "CloseDate" text, "Type" text, "NextStep" text,
  "LeadSource" text, "IsClosed" text, "IsWon" text, "ForecastCategoryName" text,
  "CurrencyIsoCode" text, "OwnerId" text, "CreatedDate" text, "CreatedById" text,
  "LastModifiedDate" text, "LastModifiedById" text, "SystemModstamp" text,
  "LastActivityDate" text, "FiscalQuarter" text, "FiscalYear" text, "Account.Name" text,
  "Owner.Name" text);
CREATE TEMP VIEW client_typed AS SELECT
  "Id" AS id,
  CASE "IsDeleted" WHEN 'true' THEN true WHEN 'false' THEN false END AS is_deleted,
  "AccountId" AS account_id,
  "Name" AS name,
  "Description" AS description,
  "StageName" AS stage_name,
  "Amount"::numeric AS amount,
  "Probability"::numeric AS probability,
  "ExpectedRevenue"::numeric AS expected_revenue,
  "TotalOpportunityQuantity"::numeric AS total_opportunity_quantity,
  "CloseDate"::date AS close_date,
  "Type" AS type,
  "NextStep" AS next_step,
  "LeadSource" AS lead_source,
  CASE "IsClosed" WHEN 'true' THEN true WHEN 'false' THEN false END AS is_closed,
  CASE "IsWon" WHEN 'true' THEN true WHEN 'false' THEN false END AS is_won,
  "ForecastCategoryName" AS forecast_category_name,
  "CurrencyIsoCode" AS currency_iso_code,
  "OwnerId" AS owner_id,
  "CreatedDate"::timestamptz AS created_date,
  "CreatedById" AS created_by_id,
  "LastModifiedDate"::timestamptz AS last_modified_date,
  "LastModifiedById" AS last_modified_by_id,
  "SystemModstamp"::timestamptz AS system_modstamp,
  "LastActivityDate"::date AS last_activity_date,
  "FiscalQuarter"::integer AS fiscal_quarter,
  "FiscalYear"::integer AS fiscal_year,
  "Account.Name" AS account_name,
  "Owner.Name" AS owner_name
  FROM client_csv;
-- All clients' rows, the client's name in the last column.
CREATE TEMP TABLE client_row AS SELECT *, ''::text AS client FROM client_typed WITH NO DATA;
CREATE TEMP TABLE client (n integer, name text, file text);
INSERT INTO client VALUES
  (1, 'simple-salesforce REST', :'tmp' || '/simple_salesforce_rest.csv'),
  (2, 'simple-salesforce Bulk 2.0', :'tmp' || '/simple_salesforce_bulk2.csv'),
  (3, 'jsforce REST', :'tmp' || '/jsforce_rest.csv'),
  (4, 'jsforce Bulk 2.0', :'tmp' || '/jsforce_bulk2.csv');
DO $$
DECLARE c client;
BEGIN
  FOR c IN SELECT * FROM client ORDER BY n LOOP
    TRUNCATE client_csv;
    EXECUTE format('COPY client_csv FROM %L (FORMAT csv, HEADER match)', c.file);
    INSERT INTO client_row SELECT *, c.name FROM client_typed;
  END LOOP;
END $$;

-- Rows only one side has, per client (EXCEPT ALL: duplicates count too). Hashed, in memory.
ANALYZE fdw_row, client_row, client;
SET work_mem = '64MB';
CREATE TEMP TABLE difference AS
  (SELECT 'only in client' AS side, * FROM client_row
   EXCEPT ALL
   SELECT 'only in client', f.*, c.name FROM fdw_row f CROSS JOIN client c)
  UNION ALL
  (SELECT 'only in fdw', f.*, c.name FROM fdw_row f CROSS JOIN client c
   EXCEPT ALL
   SELECT 'only in fdw', * FROM client_row);
SELECT c.name AS client,
       (SELECT count(*) FROM client_row r WHERE r.client = c.name) AS rows,
       (SELECT count(*) FROM difference d WHERE d.client = c.name AND d.side = 'only in client') AS only_in_client,
       (SELECT count(*) FROM difference d WHERE d.client = c.name AND d.side = 'only in fdw') AS only_in_fdw
  FROM client c ORDER BY c.n;
-- The first differences, to see what differs (none when all agree).
\x on
SELECT * FROM difference ORDER BY id, client, side LIMIT 4;
\x off

DROP FOREIGN TABLE sf.opportunity_parent_names;
