-- salesforce_fdw 0.1.0 -> 0.2.0 (ALTER EXTENSION salesforce_fdw UPDATE).
--
-- 0.2.0 changes the library only (the HTTP transport, streamed Bulk results pages): its SQL
-- objects are those of 0.1.0, so nothing is altered here and snapshots, their run history and
-- pg_cron schedules stay as they are. tests/regress/sql/27_upgrade.sql checks that an updated
-- extension has exactly the objects of a fresh 0.2.0 install: a release that changes the SQL
-- must add the statements that take a 0.1.0 database there.
\echo Use "ALTER EXTENSION salesforce_fdw UPDATE" to load this file. \quit
