#!/usr/bin/env bash
# Takes a fresh Debian 12 machine to ready for building and testing salesforce_fdw on every
# PostgreSQL version in PG_VERSIONS (scripts/lib.sh: default "15 18"): Debian packages,
# PostgreSQL 15 from Debian 12, other versions built from Debian's source packages into a cache
# outside the clone (SALESFORCE_FDW_CACHE), cargo-pgrx 0.16.1 and `cargo pgrx init` for each
# server. Idempotent, and quick when everything is already there (no download, no rebuild).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PGRX_VERSION=0.16.1
PACKAGES=(libclang-dev clang sudo curl ca-certificates openssl pkg-config python3 python3-venv
          build-essential)
# 15 is Debian 12's own server, with its headers and pg_cron (dblink is in postgresql-15);
# always installed, as the unit and package tests run with it.
PACKAGES_15=(postgresql-15 postgresql-server-dev-15 postgresql-15-cron)
# What building a server from source takes (configure_flags below keeps this short).
PACKAGES_SOURCE_BUILD=(bison flex zlib1g-dev)
# The Debian suite whose source package each version is built from (17 would be trixie's
# postgresql-17, whose files this machine's mirror does not serve yet).
declare -A SOURCE_SUITE=([18]=sid [17]=trixie)

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# install_packages PKG...: the Debian packages among them that are not installed yet.
install_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The postgresql-15 package starts a default cluster on 5432; we use our own throwaway clusters.
}

# Node.js runs the SOQL grammar check and jsforce in the test suite (tests/soql-check,
# tests/real-clients; python3-venv above is for simple-salesforce there).
install_node() {
  command -v npm >/dev/null && return 0
  log "installing Node.js and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}

install_cargo_pgrx() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is not installed: install the Rust toolchain (rustup) first" >&2
    exit 1
  fi
  cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION" && return 0
  log "installing cargo-pgrx $PGRX_VERSION (takes a few minutes)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet
}

# The Debian mirror this machine's apt already uses, for the source packages.
debian_mirror() {
  local uri
  # shellcheck disable=SC2016 # $(REPO_URI) is apt's field, not the shell's
  uri="$(apt-get indextargets --format '$(REPO_URI)' 'Label: Debian' 'Created-By: Packages' 2>/dev/null | head -1)"
  [ -n "$uri" ] || { echo "setup: no Debian mirror in this machine's apt sources" >&2; exit 1; }
  echo "${uri%/}"
}

# fetch_debian_source PACKAGE SUITE DIR: PACKAGE's source files from SUITE into DIR, through a
# scratch sources list and package lists in DIR/apt (the machine's apt setup is left as it is;
# apt checks the files against the suite's signed index).
fetch_debian_source() {
  local package="$1" suite="$2" dir="$3" apt_dir="$3/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $suite main" \
    >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update
  (cd "$dir" && apt-get "${opts[@]}" -qq source --download-only "$package") >"$dir/fetch.log" 2>&1 \
    || { cat "$dir/fetch.log" >&2; echo "setup: could not fetch $package from $suite" >&2; exit 1; }
}

# Only what the extension and its tests need: no ICU, readline or docs (the clusters use
# C.UTF-8 and the tests run psql without a terminal). Changing this rebuilds (see the stamp).
configure_flags() { echo "--without-icu --without-readline"; }
# contrib modules the SQL tests use (21_snapshot_runs: dblink).
CONTRIB_MODULES=(dblink)

# build_postgres NN: PostgreSQL NN from Debian's source package into the cache, with the
# contrib modules above; skipped when the stamp says that build is there already.
build_postgres() {
  local pg="$1" prefix="$SALESFORCE_FDW_CACHE/pg$1"
  local recipe
  recipe="postgresql-$pg $(configure_flags) contrib: ${CONTRIB_MODULES[*]}"
  if [ -x "$prefix/bin/pg_config" ] && [ "$(cat "$prefix/.salesforce_fdw-build" 2>/dev/null)" = "$recipe" ]; then
    return 0
  fi
  local suite="${SOURCE_SUITE[$pg]:-}"
  [ -n "$suite" ] || { echo "setup: no source suite known for PostgreSQL $pg" >&2; exit 1; }
  local work="$SALESFORCE_FDW_CACHE/build-pg$pg"
  rm -rf "$work" "$prefix"
  mkdir -p "$work"
  log "fetching postgresql-$pg source ($suite)"
  fetch_debian_source "postgresql-$pg" "$suite" "$work"
  local tarballs=("$work"/postgresql-"$pg"_*.orig.tar.*)
  # The upstream tarball as it is: Debian's patches are about its packaging layout.
  tar -xf "${tarballs[0]}" -C "$work"
  local src
  src="$(find "$work" -maxdepth 1 -type d -name "postgresql-$pg.*" | head -1)"
  log "building $(basename "$src") into $prefix (a few minutes; log in $work/build.log)"
  # shellcheck disable=SC2046 # configure_flags is a list of words
  if ! (cd "$src" && ./configure --prefix="$prefix" $(configure_flags) \
        && make -j2 -s && make -s install \
        && for m in "${CONTRIB_MODULES[@]}"; do make -C "contrib/$m" -s -j2 install || exit 1; done) \
        >"$work/build.log" 2>&1; then
    tail -50 "$work/build.log" >&2
    echo "setup: building PostgreSQL $pg failed (log: $work/build.log)" >&2
    exit 1
  fi
  echo "$recipe" >"$prefix/.salesforce_fdw-build"
  rm -rf "$work"
  log "PostgreSQL $("$prefix/bin/pg_config" --version | cut -d' ' -f2) ready in $prefix"
}

# The clusters run as the postgres user, who must reach the cache's binaries.
check_cache_readable() {
  local pg_bin_dir="$1"
  as_postgres test -x "$pg_bin_dir/postgres" && return 0
  echo "setup: the postgres user cannot run $pg_bin_dir/postgres; set SALESFORCE_FDW_CACHE to a" \
       "directory it can read" >&2
  exit 1
}

# pg_cron for a server built from source would need pg_cron's source, which neither the Debian
# mirror (pg-cron source package: 404) nor any other reachable registry serves: the tests that
# need it are skipped there (scripts/sql_tests.sh says so).

# `cargo pgrx init` with every server of PG_VERSIONS (and 15), so `cargo pgrx` commands find
# them; the scripts' builds name the pg_config themselves.
pgrx_init() {
  local pgrx_home="${PGRX_HOME:-$HOME/.pgrx}" args=() pg want=0
  # shellcheck disable=SC2086 # PG_VERSIONS is a list of words
  for pg in $(printf '%s\n' 15 $PG_VERSIONS | sort -un); do
    args+=("--pg$pg" "$(pg_bin "$pg")/pg_config")
    grep -q "^pg$pg *= *\"$(pg_bin "$pg")/pg_config\"" "$pgrx_home/config.toml" 2>/dev/null || want=1
  done
  [ "$want" = 1 ] || return 0
  log "cargo pgrx init ${args[*]}"
  cargo pgrx init "${args[@]}" >/dev/null
}

install_packages "${PACKAGES[@]}" "${PACKAGES_15[@]}"
install_node
install_cargo_pgrx
for pg in $PG_VERSIONS; do
  [ "$pg" = 15 ] && continue
  if [ -n "$PG_BIN_GIVEN" ]; then continue; fi   # a server of the caller's own
  install_packages "${PACKAGES_SOURCE_BUILD[@]}"
  build_postgres "$pg"
  check_cache_readable "$(pg_bin "$pg")"
done
[ -n "$PG_BIN_GIVEN" ] || pgrx_init

log "ready (PostgreSQL ${PG_VERSIONS// /, })"
