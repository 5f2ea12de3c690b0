-- The salesforce_fdw demo, run by `make demo` against the sf-emulator demo org.
\pset footer off
\echo '-- CREATE EXTENSION, a server for the org, and your credentials in a user mapping'
CREATE EXTENSION salesforce_fdw;
CREATE SERVER salesforce FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER salesforce
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');

\echo '-- Foreign tables on Opportunity and Account'
CREATE SCHEMA sf;
CREATE FOREIGN TABLE sf.opportunity (
  id text, name text, account_id text, stage_name text, amount numeric(18,2),
  currency_iso_code text, probability numeric, close_date date, is_closed boolean,
  is_won boolean, owner_name text OPTIONS (field 'Owner.Name'), last_modified_date timestamptz
) SERVER salesforce OPTIONS (object 'Opportunity');
CREATE FOREIGN TABLE sf.account (
  id text, name text, industry text, billing_country text, annual_revenue numeric
) SERVER salesforce OPTIONS (object 'Account');

\echo
\echo '== Open pipeline by stage and currency'
SELECT stage_name, currency_iso_code AS currency, count(*) AS deals,
       sum(amount) AS amount, round(sum(amount * probability / 100), 2) AS weighted
  FROM sf.opportunity
 WHERE NOT is_closed
 GROUP BY stage_name, currency_iso_code
 ORDER BY stage_name, currency;

\echo '== Top 10 accounts by won amount (USD deals)'
SELECT a.name AS account, a.industry, count(*) AS won_deals, sum(o.amount) AS won_amount
  FROM sf.opportunity o
  JOIN sf.account a ON a.id = o.account_id
 WHERE o.is_won AND o.currency_iso_code = 'USD'
 GROUP BY a.name, a.industry
 ORDER BY won_amount DESC NULLS LAST
 LIMIT 10;

\echo '== Deals closing this quarter of 2025, by owner'
SELECT owner_name, count(*) AS deals, sum(amount) AS amount
  FROM sf.opportunity
 WHERE close_date BETWEEN date '2025-10-01' AND date '2025-12-31'
 GROUP BY owner_name
 ORDER BY amount DESC NULLS LAST
 LIMIT 5;

\echo '== What is sent to Salesforce'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, amount FROM sf.opportunity WHERE stage_name = 'Closed Won';

\echo '== A local snapshot of Opportunity'
CREATE SCHEMA analytics;
CREATE TABLE analytics.opportunity AS SELECT * FROM sf.opportunity;
SELECT count(*) AS snapshot_rows, max(last_modified_date) AS newest_change FROM analytics.opportunity;
