-- The salesforce_fdw demo, run by `make demo` against the sf-emulator demo org.
\pset footer off
\echo '-- CREATE EXTENSION, a server for the org, and your credentials in a user mapping'
CREATE EXTENSION salesforce_fdw;
CREATE SERVER salesforce FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url :'emulator_url', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER salesforce
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');

\echo '-- Foreign tables for Opportunity, Account and User, built from Salesforce describe'
\echo '-- (a multi-currency org: amount_converted is each amount in the corporate currency, USD)'
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity, account, "User") FROM SERVER salesforce INTO sf
  OPTIONS (converted_currency 'true');
\d sf.opportunity

\echo
\echo '== Open pipeline by stage and currency'
SELECT stage_name, currency_iso_code AS currency, count(*) AS deals,
       sum(amount) AS amount, round(sum(amount * probability / 100), 2) AS weighted
  FROM sf.opportunity
 WHERE NOT is_closed
 GROUP BY stage_name, currency_iso_code
 ORDER BY stage_name, currency;

\echo '== Won deals per currency and year, computed by Salesforce (one SOQL aggregate query)'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT currency_iso_code, fiscal_year, count(*) AS won, max(close_date) AS last_close
  FROM sf.opportunity WHERE is_won GROUP BY 1, 2;
SELECT currency_iso_code, fiscal_year, count(*) AS won, max(close_date) AS last_close
  FROM sf.opportunity WHERE is_won GROUP BY 1, 2 ORDER BY 1, 2;

\echo '== Top 10 accounts by won amount (USD deals)'
SELECT a.name AS account, a.industry, count(*) AS won_deals, sum(o.amount) AS won_amount
  FROM sf.opportunity o
  JOIN sf.account a ON a.id = o.account_id
 WHERE o.is_won AND o.currency_iso_code = 'USD'
 GROUP BY a.name, a.industry
 ORDER BY won_amount DESC NULLS LAST
 LIMIT 10;

\echo '== Deals closing in the last quarter of 2025, by owner (amounts in USD, converted by Salesforce)'
SELECT u.name AS owner, count(*) AS deals, sum(o.amount_converted) AS amount_usd
  FROM sf.opportunity o
  JOIN sf."user" u ON u.id = o.owner_id
 WHERE o.close_date BETWEEN date '2025-10-01' AND date '2025-12-31'
 GROUP BY u.name
 ORDER BY amount_usd DESC NULLS LAST
 LIMIT 5;

\echo '== What is sent to Salesforce'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, amount FROM sf.opportunity WHERE stage_name = 'Closed Won';

\echo '== A local snapshot of Opportunity: the first refresh is full, the next ones incremental'
CREATE SCHEMA analytics;
CALL salesforce_fdw.refresh('sf.opportunity', 'analytics.opportunity');
CALL salesforce_fdw.refresh('sf.opportunity', 'analytics.opportunity');
SELECT target, cursor_field, watermark, row_count, status FROM salesforce_fdw.snapshots;
SELECT run_id, mode, rows_read, rows_upserted, rows_deleted, api_calls, status
  FROM salesforce_fdw.refresh_runs ORDER BY run_id;
\echo '(with pg_cron: SELECT * FROM salesforce_fdw.schedule(''sf.opportunity'', ''analytics.opportunity'');'
\echo ' runs a full refresh nightly and an incremental one every two hours)'
