#!/usr/bin/env bash
# sql_tests.sh NN: the SQL regression suite on PostgreSQL NN (scripts/test.sh runs it once per
# version in PG_VERSIONS): builds and installs the extension for that server, starts the
# emulators the tests read and a cluster of its own, runs tests/regress/schedule (or TESTS) with
# that server's pg_regress, and stops everything it started. Its last line is the version's
# result, "PostgreSQL NN: N passed, N failed, N skipped".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh
use_pg "$1"

TMP="$(mktemp -d /tmp/salesforce_fdw_test.XXXXXX)"
chmod 755 "$TMP"
cleanup() {
  stop_cluster
  stop_emulator
  [ -z "${FIXTURE_EMULATOR_PID:-}" ] || kill "$FIXTURE_EMULATOR_PID" 2>/dev/null || true
  [ -z "${FAULTY_EMULATOR_PID:-}" ] || kill "$FAULTY_EMULATOR_PID" 2>/dev/null || true
  [ -z "${STRICT_EMULATOR_PID:-}" ] || kill "$STRICT_EMULATOR_PID" 2>/dev/null || true
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

echo "== PostgreSQL $PG_MAJOR ($PG_BIN): build and install"
build_and_install
# The previous release's install script, beside the current one, for the upgrade test.
sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" install -m 644 "$ROOT/tests/upgrade/salesforce_fdw--0.1.0.sql" \
  "$("$PG_BIN/pg_config" --sharedir)/extension/"

echo "== PostgreSQL $PG_MAJOR: SQL regression tests"
# Keys for the JWT bearer flow: the emulator trusts jwt.pub; other.key is a key it does not know.
openssl genrsa -out "$TMP/jwt.key" 2048 2>/dev/null
openssl rsa -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub" 2>/dev/null
openssl genrsa -out "$TMP/other.key" 2048 2>/dev/null
chmod 644 "$TMP"/*.key
start_emulator "$TMP/emulator.log" --scale 10 --jwt-public-key "$TMP/jwt.pub"
skipped_tests=()
# A second emulator serving the real describes recorded from real orgs, when they are present.
FIXTURES="$ROOT/../shared/fixtures/salesforce"
if [ -d "$FIXTURES/cumulusci" ]; then
  mkdir -p "$TMP/describes"
  for object in Account_PersonAccount Case Contact Custom__c Event Lead OpportunityContactRole Opportunity; do
    cp "$FIXTURES/cumulusci/GET_sobjects_${object}_describe.json" "$TMP/describes/$object.json"
  done
  cp "$FIXTURES/swiftlysalesforce/Example__Tests__DescribeTaskResult.json" "$TMP/describes/Task.json"
  main_emulator_pid="$EMULATOR_PID"; main_emulator_url="$SF_EMULATOR_URL"
  start_emulator "$TMP/fixture-emulator.log" --describe-dir "$TMP/describes"
  FIXTURE_EMULATOR_PID="$EMULATOR_PID"; export SF_FIXTURE_EMULATOR_URL="$SF_EMULATOR_URL"
  EMULATOR_PID="$main_emulator_pid"; SF_EMULATOR_URL="$main_emulator_url"
else
  echo "skipping 10_real_describes: $FIXTURES not found"
  skipped_tests+=(10_real_describes)
fi
# A third one, with 100,000 opportunities behind injected faults (26_faults).
main_emulator_pid="$EMULATOR_PID"; main_emulator_url="$SF_EMULATOR_URL"
start_emulator "$TMP/faulty-emulator.log" --scale 100 --fault-503-rate 0.1 --fault-drop-rate 0.05 \
  --expire-sessions-every 50 --fault-seed 11
FAULTY_EMULATOR_PID="$EMULATOR_PID"; export SF_FAULTY_EMULATOR_URL="$SF_EMULATOR_URL"
EMULATOR_PID="$main_emulator_pid"; SF_EMULATOR_URL="$main_emulator_url"
# A fourth, with the settings of a strict org: refresh-token rotation, Bulk results only with
# Accept: text/csv, a 700-field object (17_real_org).
main_emulator_pid="$EMULATOR_PID"; main_emulator_url="$SF_EMULATOR_URL"
start_emulator "$TMP/strict-emulator.log" --scale 3 --rotate-refresh-tokens --bulk-strict-accept \
  --wide-object-fields 700 --bulk-page-records 500
STRICT_EMULATOR_PID="$EMULATOR_PID"; export SF_STRICT_EMULATOR_URL="$SF_EMULATOR_URL"
EMULATOR_PID="$main_emulator_pid"; SF_EMULATOR_URL="$main_emulator_url"
# pg_cron and dblink where this server has them (Debian's 15 has both, setup builds dblink for
# the others; pg_cron's source is not to be had for them): the tests that need one are then
# skipped, and say so.
extdir="$("$PG_BIN/pg_config" --sharedir)/extension"
if [ -f "$("$PG_BIN/pg_config" --pkglibdir)/pg_cron.so" ]; then
  start_cluster "$TMP/pg" "shared_preload_libraries = 'pg_cron'" \
    "cron.database_name = 'salesforce_fdw_regress'" "cron.host = '$TMP/pg'"
else
  echo "skipping 24_pg_cron 25_roles 27_upgrade: no pg_cron for PostgreSQL $PG_MAJOR"
  skipped_tests+=(24_pg_cron 25_roles 27_upgrade)
  start_cluster "$TMP/pg"
fi
if [ ! -f "$extdir/dblink.control" ]; then
  echo "skipping 21_snapshot_runs: no dblink for PostgreSQL $PG_MAJOR"
  skipped_tests+=(21_snapshot_runs)
fi
export SF_TEST_TMP="$TMP"
# The tests of tests/regress/schedule, in its order, less the skipped ones; or TESTS.
mapfile -t schedule < <(sed -n 's/^test: *//p' "$ROOT/tests/regress/schedule" |
  { if [ ${#skipped_tests[@]} = 0 ]; then cat; else grep -vxF "${skipped_tests[@]/#/-e}"; fi; })
if [ -n "${TESTS:-}" ]; then
  read -r -a schedule <<<"$TESTS"
  skipped_tests=()
fi
printf 'test: %s\n' "${schedule[@]}" > "$TMP/schedule"
set +e
"$("$PG_BIN/pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress" --bindir="$PG_BIN" \
  --host="$PGHOST" --port="$PGPORT" --user=postgres \
  --inputdir="$ROOT/tests/regress" --outputdir="$TMP/regress" \
  --dbname=salesforce_fdw_regress --schedule="$TMP/schedule" 2>&1 | tee "$TMP/regress.log"
regress_status=${PIPESTATUS[0]}
set -e
regress_failed=0
if [ "$regress_status" != 0 ]; then
  [ -f "$TMP/regress/regression.diffs" ] && head -200 "$TMP/regress/regression.diffs"
  # (pg_regress 15 prints "... FAILED", 18 "not ok N - name")
  regress_failed=$(grep -cE '\.\.\. FAILED|FAILED|^not ok ' "$TMP/regress.log" || true)
  [ "$regress_failed" -gt 0 ] || regress_failed=1   # it failed before running a test
fi
echo "PostgreSQL $PG_MAJOR: $((${#schedule[@]} - regress_failed)) passed, $regress_failed failed, ${#skipped_tests[@]} skipped"
[ "$regress_status" = 0 ]
