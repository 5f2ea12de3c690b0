#!/usr/bin/env bash
# Runs every test of the project: cargo unit tests (extension and emulator), then the SQL
# regression suite against a real PostgreSQL 15 cluster with the extension installed and the
# emulator running. Sets up what it needs and stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

"$ROOT/scripts/setup.sh"

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

# TESTS="00_setup 05_pushdown" runs only those SQL tests (and no unit tests): for development.
# The unit tests are pure Rust, the same for every server: they run with Debian's 15.
if [ -n "${TESTS:-}" ] || [ "$PG_MAJOR" != 15 ]; then
  echo "== cargo unit tests: skipped (TESTS is set, or the server is not Debian's 15)"
  unit_passed=0
else
echo "== cargo unit tests"
# One package at a time: a workspace build would turn on the emulator's dependency features
# (serde_json's preserve_order) for the extension too, which its shipped build does not have.
{ cargo test -p salesforce_fdw --lib --bins --tests 2>&1; cargo test -p sf-emulator --lib --bins --tests 2>&1; } \
  | tee "$TMP/cargo-test.log" | grep -E '^(test result|running|error|failures|---- )|panicked' || true
if ! grep -q '^test result' "$TMP/cargo-test.log" || grep -q '^test result: FAILED' "$TMP/cargo-test.log" || grep -q '^error' "$TMP/cargo-test.log"; then
  echo "cargo tests failed" >&2
  tail -50 "$TMP/cargo-test.log" >&2
  exit 1
fi
unit_passed=$(grep -o '^test result: ok. [0-9]* passed' "$TMP/cargo-test.log" | awk '{s+=$4} END {print s+0}')
fi

echo "== build and install"
build_and_install
# The previous release's install script, beside the current one, for the upgrade test.
sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" install -m 644 "$ROOT/tests/upgrade/salesforce_fdw--0.1.0.sql" \
  "$("$PG_BIN/pg_config" --sharedir)/extension/"

echo "== SQL regression tests"
# Keys for the JWT bearer flow: the emulator trusts jwt.pub; other.key is a key it does not know.
openssl genrsa -out "$TMP/jwt.key" 2048 2>/dev/null
openssl rsa -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub" 2>/dev/null
openssl genrsa -out "$TMP/other.key" 2048 2>/dev/null
chmod 644 "$TMP"/*.key
start_emulator "$TMP/emulator.log" --scale 10 --jwt-public-key "$TMP/jwt.pub"
# A second emulator serving the real describes recorded from real orgs, when they are present.
FIXTURES="$ROOT/../shared/fixtures/salesforce"
fixture_tests=()
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
  fixture_tests=(10_real_describes)
else
  echo "skipping 10_real_describes: $FIXTURES not found"
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
# pg_cron and dblink where this server has them (Debian's 15 has both; a server built from
# source may lack them): the tests that need one are then skipped, and say so.
skipped_tests=()
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
# The tests of tests/regress/schedule, in its order (10_real_describes only with the fixtures).
mapfile -t schedule < <(sed -n 's/^test: *//p' "$ROOT/tests/regress/schedule" |
  { if [ ${#fixture_tests[@]} = 0 ]; then grep -vx 10_real_describes; else cat; fi; } |
  { if [ ${#skipped_tests[@]} = 0 ]; then cat; else grep -vxF "${skipped_tests[@]/#/-e}"; fi; })
if [ -n "${TESTS:-}" ]; then
  read -r -a schedule <<<"$TESTS"
fi
printf 'test: %s\n' "${schedule[@]}" > "$TMP/schedule"
set +e
"$("$PG_BIN/pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress" --bindir="$PG_BIN" \
  --host="$PGHOST" --port="$PGPORT" --user=postgres \
  --inputdir="$ROOT/tests/regress" --outputdir="$TMP/regress" \
  --dbname=salesforce_fdw_regress --schedule="$TMP/schedule" 2>&1 | tee "$TMP/regress.log"
regress_status=${PIPESTATUS[0]}
set -e
if [ "$regress_status" != 0 ]; then
  [ -f "$TMP/regress/regression.diffs" ] && head -200 "$TMP/regress/regression.diffs"
  # (pg_regress 15 prints "... FAILED", 18 "not ok N - name")
  regress_failed=$(grep -cE '\.\.\. FAILED|FAILED|^not ok ' "$TMP/regress.log" || true)
  echo "tests: $unit_passed unit passed, ${regress_failed} regression failed"
  echo "$((unit_passed + ${#schedule[@]} - regress_failed)) passed, ${regress_failed} failed"
  exit 1
fi
if [ -n "${TESTS:-}" ] || [ "$PG_MAJOR" != 15 ]; then
  echo "tests: $((unit_passed + ${#schedule[@]})) passed, 0 failed (the package test is skipped: TESTS is set or the server is not Debian's 15)"
  exit 0
fi
echo "== the Debian package in a stock PostgreSQL $(basename "$(dirname "$PG_BIN")") cluster"
# After the SQL tests: it replaces the installed extension by the package's, then purges it.
stop_cluster
if ! { SKIP_SETUP=1 bash "$ROOT/scripts/package.sh" && bash "$ROOT/scripts/package_test.sh"; }; then
  echo "tests: $((unit_passed + ${#schedule[@]})) passed, 1 failed (the package test)"
  exit 1
fi
total=$((unit_passed + ${#schedule[@]} + 1))
echo "tests: $total passed, 0 failed"
