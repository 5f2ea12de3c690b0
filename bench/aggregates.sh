#!/usr/bin/env bash
# Benchmark (issue 14): the analyst queries of the issue against an emulator of 1,000·K
# opportunities with a latency per API request, each run twice in a fresh session:
#   before   SET salesforce_fdw.aggregate_pushdown = off, join_pushdown = off and work_mem =
#            64kB (no aggregate or join pushdown, and no room to keep rows for rescans: what the
#            FDW did before)
#   after    the defaults, with work_mem = 64MB (room to index the accounts of a correlated
#            lookup: 200,000 at K = 1000)
# and for each: the API requests the emulator received and the seconds the statement took, and
# whether both answers are equal. Not a test: prints a Markdown table for bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

scale=1000; latency=150; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --latency) latency="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) echo "Usage: bench/aggregates.sh [--scale K (default 1000)] [--latency MS (default 150)] [--no-build]"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

PG_VERSIONS="$PG_MAJOR" "$ROOT/scripts/setup.sh" >/dev/null
[ "$build" = 1 ] && build_and_install
TMP="$(mktemp -d /tmp/salesforce_fdw_bench.XXXXXX)"
chmod 755 "$TMP"
cleanup() { stop_cluster; stop_emulator; rm -rf "$TMP"; }
trap cleanup EXIT
start_emulator "$TMP/emulator.log" --scale "$scale"
start_cluster "$TMP/pg"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION salesforce_fdw;
CREATE SERVER bench FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url '$SF_EMULATOR_URL', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity, account) FROM SERVER bench INTO sf;
SQL
# The correlated lookup of the issue had about 600 outer rows: the amount that gives as many
# here (each probe is one COUNT query).
threshold=$(psql -X -A -t -v ON_ERROR_STOP=1 <<'SQL'
CREATE FUNCTION pg_temp.threshold() RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE lo numeric := 0; hi numeric := 1000000000; mid numeric; n bigint;
BEGIN
  FOR i IN 1 .. 40 LOOP
    mid := round((lo + hi) / 2, 2);
    SELECT count(*) INTO n FROM sf.opportunity WHERE amount > mid;
    IF n > 600 THEN lo := mid; ELSE hi := mid; END IF;
  END LOOP;
  RETURN hi;
END $$;
SELECT pg_temp.threshold();
SQL
)
threshold=$(tail -1 <<<"$threshold")
curl -s -o /dev/null -X PUT "$SF_EMULATOR_URL/__emulator/faults" -d "{\"latency_ms\": $latency}"

queries=(
  "select currency_iso_code, count(*), sum(probability), min(close_date), max(close_date) from sf.opportunity group by 1"
  "select owner_id, count(*), avg(probability) from sf.opportunity where is_closed group by 1"
  "select count(*) from sf.opportunity where is_won"
  "select a.industry, count(*) from sf.opportunity o join sf.account a on o.account_id = a.id where o.is_won group by 1"
  "select sum(length((select a.name from sf.account a where a.id = o.account_id))) from sf.opportunity o where o.amount > $threshold"
)
requests() { curl -s "$SF_EMULATOR_URL/__emulator/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
run() { # settings, query -> "requests seconds md5-of-answer"
  local settings="$1" query="$2" start end
  curl -s -o /dev/null -X DELETE "$SF_EMULATOR_URL/__emulator/requests"
  start=$(date +%s.%N)
  answer=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$settings" -c "$query order by 1" | md5sum | cut -c1-8)
  end=$(date +%s.%N)
  echo "$(requests) $(awk "BEGIN {print $end - $start}") $answer"
}
echo "| query | requests before | seconds before | requests after | seconds after | same answer |"
echo "|---|---:|---:|---:|---:|---|"
for q in "${queries[@]}"; do
  read -r rb sb ab <<<"$(run "SET salesforce_fdw.aggregate_pushdown = off; SET salesforce_fdw.join_pushdown = off; SET work_mem = '64kB'" "$q")"
  read -r ra sa aa <<<"$(run "SET work_mem = '64MB'" "$q")"
  printf '| `%s` | %s | %.1f | %s | %.1f | %s |\n' "$q" "$rb" "$sb" "$ra" "$sa" "$([ "$ab" = "$aa" ] && echo yes || echo NO)"
done
# q4 again, industry marked group_exact (its values never differ only in case): the grouping
# of the join is Salesforce's too.
psql -X -q -v ON_ERROR_STOP=1 -c "ALTER FOREIGN TABLE sf.account ALTER COLUMN industry OPTIONS (ADD group_exact 'true')"
q="${queries[3]}"
read -r rb sb ab <<<"$(run "SET salesforce_fdw.aggregate_pushdown = off; SET salesforce_fdw.join_pushdown = off; SET work_mem = '64kB'" "$q")"
read -r ra sa aa <<<"$(run "SET work_mem = '64MB'" "$q")"
printf '| `%s` (industry `group_exact`) | %s | %.1f | %s | %.1f | %s |\n' "$q" "$rb" "$sb" "$ra" "$sa" "$([ "$ab" = "$aa" ] && echo yes || echo NO)"
