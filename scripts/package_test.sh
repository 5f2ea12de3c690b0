#!/usr/bin/env bash
# The Debian package in a stock PostgreSQL 15 (run by scripts/test.sh after the SQL tests, or
# alone after `make package`): removes what `cargo pgrx install` put into the server's
# directories, installs the .deb that scripts/package.sh built, creates a cluster with Debian's
# own pg_createcluster (its data under /var/lib/postgresql/15/), runs the demo's queries
# (demo/demo.sql: import, queries, snapshot refreshes) against a fresh sf-emulator, after
# checking that the module file now belongs to the package. Drops the cluster and purges the
# package on exit, whatever happened.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

pg=15
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
package="postgresql-$pg-salesforce-fdw"
deb="target/debian/${package}_${version}-1_$arch.deb"
[ -f "$deb" ] || { echo "package test: $deb is missing (make package builds it)" >&2; exit 1; }
sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
libdir="$("$PG_BIN/pg_config" --pkglibdir)"
extdir="$("$PG_BIN/pg_config" --sharedir)/extension"
cluster="sfpkg$$"
TMP="$(mktemp -d /tmp/salesforce_fdw_package.XXXXXX)"
chmod 755 "$TMP"
cleanup() {
  "${sudo_cmd[@]}" pg_dropcluster --stop "$pg" "$cluster" >/dev/null 2>&1 || true
  "${sudo_cmd[@]}" dpkg --purge "$package" >/dev/null 2>&1 || true
  stop_emulator
  rm -rf "$TMP"
}
trap cleanup EXIT

"${sudo_cmd[@]}" rm -f "$libdir/salesforce_fdw.so" "$extdir/salesforce_fdw.control" "$extdir"/salesforce_fdw--*.sql
"${sudo_cmd[@]}" dpkg -i "$deb" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; exit 1; }
owner="$(dpkg -S "$libdir/salesforce_fdw.so" | cut -d: -f1)"
[ "$owner" = "$package" ] || { echo "package test: $libdir/salesforce_fdw.so belongs to '$owner'" >&2; exit 1; }

port="$(free_port)"
"${sudo_cmd[@]}" pg_createcluster "$pg" "$cluster" -p "$port" --start -- --auth=trust >"$TMP/cluster.log" 2>&1 \
  || { cat "$TMP/cluster.log" >&2; exit 1; }
start_emulator "$TMP/emulator.log"
psql_pkg() { "$PG_BIN/psql" -X -h /var/run/postgresql -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_pkg -v emulator_url="$SF_EMULATOR_URL" -f demo/demo.sql >"$TMP/demo.out" 2>&1 \
  || { cat "$TMP/demo.out" >&2; echo "package test: the demo's queries failed" >&2; exit 1; }
checks="$(psql_pkg -A -t -c "
  SELECT (SELECT extversion FROM pg_extension WHERE extname = 'salesforce_fdw') = '$version',
         (SELECT count(*) FROM sf.opportunity) > 0,
         (SELECT count(*) FROM sf.opportunity) = (SELECT count(*) FROM analytics.opportunity),
         (SELECT count(*) FROM salesforce_fdw.refresh_runs WHERE status = 'succeeded') >= 2,
         EXISTS (SELECT FROM pg_catalog.pg_stat_activity WHERE pid = pg_backend_pid())")"
if [ "$checks" != "t|t|t|t|t" ]; then
  cat "$TMP/demo.out" >&2
  echo "package test: checks gave $checks (version, rows, snapshot = source, refreshes, alive)" >&2
  exit 1
fi
echo "package test: $deb installed into a stock PostgreSQL $pg cluster ($cluster), the demo's queries ran, version $version, snapshot equal to its source"
