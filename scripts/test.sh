#!/usr/bin/env bash
# Runs every test of the project: cargo unit tests (extension and emulator), then the SQL
# regression suite on each PostgreSQL version in PG_VERSIONS (default "15 18", scripts/lib.sh),
# each against a cluster of its own with the extension built for it (scripts/sql_tests.sh),
# then the Debian package in a stock PostgreSQL 15. Prints a result per version and overall.
# Sets up what it needs and stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

"$ROOT/scripts/setup.sh"

TMP="$(mktemp -d /tmp/salesforce_fdw_tests.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

# with_15: PostgreSQL 15 (Debian's own) is among the versions tested.
with_15() { [ -z "$PG_BIN_GIVEN" ] && [[ " $PG_VERSIONS " == *" 15 "* ]]; }

# TESTS="00_setup 05_pushdown" runs only those SQL tests (and no unit or package test): for
# development. The unit tests are pure Rust, the same for every server: they run with 15's build.
run_unit_tests() {
  use_pg 15
  echo "== cargo unit tests"
  # One package at a time: a workspace build would turn on the emulator's dependency features
  # (serde_json's preserve_order) for the extension too, which its shipped build does not have.
  { cargo test -p salesforce_fdw --lib --bins --tests 2>&1; cargo test -p sf-emulator --lib --bins --tests 2>&1; } \
    | tee "$TMP/cargo-test.log" | grep -E '^(test result|running|error|failures|---- )|panicked' || true
  unit_passed=$(grep -o '^test result: ok. [0-9]* passed' "$TMP/cargo-test.log" | awk '{s+=$4} END {print s+0}')
  if ! grep -q '^test result' "$TMP/cargo-test.log" || grep -q '^test result: FAILED' "$TMP/cargo-test.log" \
     || grep -q '^error' "$TMP/cargo-test.log"; then
    tail -50 "$TMP/cargo-test.log" >&2
    unit_result="unit tests: FAILED"
    return 1
  fi
  unit_result="unit tests: $unit_passed passed"
}

# The SQL suite on each version, one after another (each builds, then runs ~10 minutes).
run_sql_tests() {
  local pg line
  for pg in $PG_VERSIONS; do
    set +e
    bash "$ROOT/scripts/sql_tests.sh" "$pg" 2>&1 | tee "$TMP/sql-$pg.log"
    set -e
    line="$(grep -E "^PostgreSQL $pg: [0-9]+ passed" "$TMP/sql-$pg.log" | tail -1)"
    [ -n "$line" ] || line="PostgreSQL $pg: 0 passed, 1 failed, 0 skipped (did not get to the tests)"
    summary+=("$line")
    sql_passed=$((sql_passed + $(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')))
    sql_failed=$((sql_failed + $(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')))
    sql_skipped=$((sql_skipped + $(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')))
  done
}

# After the SQL tests: it replaces the installed extension of 15 by the package's, then purges it.
run_package_test() {
  use_pg 15
  echo "== the Debian package in a stock PostgreSQL 15 cluster"
  if PG_VERSIONS=15 SKIP_SETUP=1 bash "$ROOT/scripts/package.sh" && bash "$ROOT/scripts/package_test.sh"; then
    package_result="package test: passed"; return 0
  fi
  package_result="package test: FAILED"; return 1
}

unit_passed=0 unit_failed=0 package_passed=0 package_failed=0
sql_passed=0 sql_failed=0 sql_skipped=0
summary=()
if [ -z "${TESTS:-}" ] && with_15; then
  if run_unit_tests; then :; else unit_failed=1; fi
  summary+=("$unit_result")
else
  summary+=("unit tests: skipped (TESTS is set, or 15 is not among the versions)")
fi
if [ "$unit_failed" = 0 ]; then
  run_sql_tests
fi
if [ -z "${TESTS:-}" ] && with_15 && [ "$unit_failed" = 0 ]; then
  if run_package_test; then package_passed=1; else package_failed=1; fi
  summary+=("$package_result")
fi

echo "== summary (PostgreSQL ${PG_VERSIONS// /, })"
printf '%s\n' "${summary[@]}"
failed=$((unit_failed + sql_failed + package_failed))
echo "tests: $((unit_passed + sql_passed + package_passed)) passed, $failed failed, $sql_skipped skipped"
[ "$failed" = 0 ]
