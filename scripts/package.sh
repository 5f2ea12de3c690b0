#!/usr/bin/env bash
# `make package`: a Debian package of the extension for each PostgreSQL version in PG_VERSIONS
# (default "15 18", scripts/lib.sh), built by `cargo pgrx package` against that server (Debian's
# 15, or the one setup built from source: the same major version has the same ABI) and wrapped with
# dpkg-deb into target/debian/postgresql-<NN>-salesforce-fdw_<version>-1_<arch>.deb. The
# package depends on postgresql-<NN> and on the shared libraries the module links (libc6 at
# the newest symbol version it uses, libgcc-s1), and installs into a stock Debian server:
# the module in /usr/lib/postgresql/<NN>/lib, the control file, install and upgrade scripts in
# /usr/share/postgresql/<NN>/extension.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

[ "${SKIP_SETUP:-}" = 1 ] || "$ROOT/scripts/setup.sh"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
mkdir -p target/debian
for pg in $PG_VERSIONS; do
  use_pg "$pg"
  pg_config="$PG_BIN/pg_config"
  [ -x "$pg_config" ] || { echo "package: no PostgreSQL $pg ($pg_config is missing)" >&2; exit 1; }
  echo "== cargo pgrx package for PostgreSQL $pg"
  log="$(mktemp)"
  if ! cargo pgrx package --pg-config "$pg_config" --no-default-features --features "pg$pg" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  built="$TARGET_DIR/release/salesforce_fdw-pg$pg"
  name="postgresql-$pg-salesforce-fdw"
  stage="target/debian/${name}_${version}-1_$arch"
  rm -rf "$stage"
  mkdir -p "$stage/DEBIAN" "$stage/usr/lib/postgresql/$pg/lib" "$stage/usr/share/postgresql/$pg/extension"
  # Laid out as a Debian server has it, whatever the layout of the server built against.
  cp -a "$built$("$pg_config" --pkglibdir)/." "$stage/usr/lib/postgresql/$pg/lib/"
  cp -a "$built$("$pg_config" --sharedir)/extension/." "$stage/usr/share/postgresql/$pg/extension/"
  module="$stage/usr/lib/postgresql/$pg/lib/salesforce_fdw.so"
  [ -f "$module" ] || { echo "package: $built has no usr/lib/postgresql/$pg/lib/salesforce_fdw.so" >&2; exit 1; }
  # Dependencies: the server, and the package of each shared library the module needs.
  depends="postgresql-$pg"
  glibc="$(objdump -T "$module" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | cut -d_ -f2)"
  for lib in $(objdump -p "$module" | awk '/NEEDED/ {print $2}'); do
    path="$(ldconfig -p | awk -v lib="$lib" '$1 == lib {print $NF; exit}')"
    [ -n "$path" ] || { echo "package: $lib (needed by the module) is not installed" >&2; exit 1; }
    # dpkg knows a library by the path its package ships (/lib/... on a merged /usr).
    owner="$({ dpkg -S "$path" || dpkg -S "$(readlink -f "$path")" || true; } 2>/dev/null | head -1 | cut -d: -f1)"
    [ -n "$owner" ] || { echo "package: no Debian package owns $path (needed by the module)" >&2; exit 1; }
    case "$owner" in
      libc6) depends="$depends, libc6 (>= $glibc)" ;;
      *) depends="$depends, $owner" ;;
    esac
  done
  depends="$(echo "$depends" | tr ',' '\n' | sed 's/^ *//' | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g')"
  cat >"$stage/DEBIAN/control" <<CONTROL
Package: $name
Version: $version-1
Architecture: $arch
Maintainer: salesforce_fdw developers <salesforce-fdw@localhost>
Depends: $depends
Section: database
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Description: Salesforce foreign data wrapper for PostgreSQL $pg
 Query Salesforce objects as foreign tables (SOQL pushdown, Bulk API 2.0) and keep local
 snapshots of them fresh with full and incremental refreshes (salesforce_fdw $version).
CONTROL
  dpkg-deb --root-owner-group --build "$stage" "target/debian/" >/dev/null
  rm -rf "$stage"
  echo "target/debian/${name}_${version}-1_$arch.deb ($depends)"
done
