#!/usr/bin/env bash
# Benchmark: peak memory (VmHWM) of the PostgreSQL backend and rows/second while scanning every
# column of every Opportunity, at 100,000 and 1,000,000 rows. Memory must not grow with rows.
# Not a test: prints a Markdown table for bench/README.md. Usage: bench/scan_memory.sh [scales...]
# MODES (default "off on"): the table option bulk of each scan; "on:K" reads through Bulk API 2.0
# with the server option bulk_parallelism K (e.g. MODES="on:1 on:8"). EMULATOR_ARGS: more flags
# for the emulator (e.g. "--bulk-page-records 25000").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh
scales=("$@")
[ $# -gt 0 ] || scales=(100 1000)

PG_VERSIONS="$PG_MAJOR" "$ROOT/scripts/setup.sh" >/dev/null
build_and_install

TMP="$(mktemp -d /tmp/salesforce_fdw_bench.XXXXXX)"
chmod 755 "$TMP"
cleanup() { stop_cluster; stop_emulator; rm -rf "$TMP"; }
trap cleanup EXIT
start_cluster "$TMP/pg" "shared_buffers = 128MB"

psql_run() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

echo "| path | rows | peak backend RSS (VmHWM) | baseline RSS | seconds | rows/s |"
echo "|---|---:|---:|---:|---:|---:|"
for scale in "${scales[@]}"; do
 for spec in ${MODES:-off on}; do
  mode="${spec%%:*}"
  parallelism="$([ "$spec" != "$mode" ] && echo "${spec#*:}" || echo 4)"
  start_emulator "$TMP/emulator-$scale.log" --scale "$scale" ${EMULATOR_ARGS:-}
  psql_run <<SQL
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS salesforce_fdw CASCADE;
CREATE EXTENSION salesforce_fdw;
CREATE SERVER bench FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url '$SF_EMULATOR_URL', client_id 'sf-emulator-client', bulk_parallelism '$parallelism');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA IF NOT EXISTS sf;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity) FROM SERVER bench INTO sf;
ALTER FOREIGN TABLE sf.opportunity OPTIONS (ADD bulk '$mode');
SQL
  # One backend: a small scan for the baseline, then every column of every row.
  result="$(psql_run <<'SQL'
SELECT count(*) FROM (SELECT * FROM sf.opportunity LIMIT 10) x;
SELECT 'base ' || (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1];
SELECT 'start ' || extract(epoch FROM clock_timestamp());
SELECT 'rows ' || count(o.*) FROM sf.opportunity o;
SELECT 'end ' || extract(epoch FROM clock_timestamp());
SELECT 'peak ' || (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1];
SQL
)"
  base=$(echo "$result" | awk '/^base/ {print $2}')
  peak=$(echo "$result" | awk '/^peak/ {print $2}')
  rows=$(echo "$result" | awk '/^rows/ {print $2}')
  start=$(echo "$result" | awk '/^start/ {print $2}')
  end=$(echo "$result" | awk '/^end/ {print $2}')
  secs=$(python3 -c "print(f'{$end - $start:.1f}')")
  rate=$(python3 -c "print(f'{$rows / ($end - $start):,.0f}')")
  path=$([ "$mode" = on ] && echo "Bulk API 2.0, bulk_parallelism $parallelism" || echo "REST query pages")
  echo "| $path | $rows | $((peak / 1024)) MB | $((base / 1024)) MB | $secs | $rate |"
  psql_run -c "DROP EXTENSION salesforce_fdw CASCADE; DROP SCHEMA sf CASCADE;" >/dev/null 2>&1
  stop_emulator
 done
done
