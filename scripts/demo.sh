#!/usr/bin/env bash
# The demo: builds and installs the extension, starts the emulator (the demo org) and a
# throwaway PostgreSQL 15 cluster (or one of PG_BIN's server), connects them, runs a few analyst
# queries and prints their results, then stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The demo runs on one server: 15 (or PG_BIN's), so setup builds no other.
PG_VERSIONS="${PG_VERSIONS:-15}"
source scripts/lib.sh

PG_VERSIONS="$PG_MAJOR" "$ROOT/scripts/setup.sh"
echo "== building and installing salesforce_fdw and sf-emulator"
build_and_install

TMP="$(mktemp -d /tmp/salesforce_fdw_demo.XXXXXX)"
chmod 755 "$TMP"
cleanup() { stop_cluster; stop_emulator; rm -rf "$TMP"; }
trap cleanup EXIT

start_emulator "$TMP/emulator.log"
echo "== sf-emulator (the demo org) at $SF_EMULATOR_URL"
start_cluster "$TMP/pg"
echo "== PostgreSQL $PG_MAJOR on port $PGPORT"
echo
"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -v emulator_url="$SF_EMULATOR_URL" -f demo/demo.sql
