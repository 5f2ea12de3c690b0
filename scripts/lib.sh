# shellcheck shell=bash
# Shared helpers for the demo and test scripts: which PostgreSQL servers to build for and where
# they live, a throwaway cluster run as the postgres user on a free port, and the sf-emulator.
# Source it; call cleanup on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The versions `make test` and `make package` cover: Debian 12's own 15, and 18 built by
# scripts/setup.sh from Debian's source package. PG_BIN=<bin dir> names one other server instead.
if [ -n "${PG_BIN:-}" ]; then
  PG_VERSIONS="$("$PG_BIN/pg_config" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')"
fi
PG_VERSIONS="${PG_VERSIONS:-15 18}"

# Servers built from source go to a cache outside the clone, kept across clones and runs. Root's
# home is not readable by the postgres user that runs the clusters, hence /var/cache for root.
if [ -z "${SALESFORCE_FDW_CACHE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then SALESFORCE_FDW_CACHE=/var/cache/salesforce_fdw
  else SALESFORCE_FDW_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/salesforce_fdw"; fi
fi

# pg_bin NN: the bin directory of PostgreSQL NN (Debian's package for 15, the cache otherwise).
pg_bin() {
  if [ "$1" = 15 ]; then echo /usr/lib/postgresql/15/bin; else echo "$SALESFORCE_FDW_CACHE/pg$1/bin"; fi
}

# use_pg NN: builds and tests from now on are for PostgreSQL NN: sets PG_BIN, PG_MAJOR and
# TARGET_DIR. 15 builds in target/; another version's build (other Cargo features) gets a
# target directory of its own, and pgrx's bindings straight from that server's pg_config.
use_pg() {
  PG_MAJOR="$1"
  if [ -z "${PG_BIN_GIVEN:-}" ]; then PG_BIN="$(pg_bin "$PG_MAJOR")"; fi
  if [ "$PG_MAJOR" = 15 ]; then
    unset PGRX_PG_CONFIG_PATH
    TARGET_DIR="$ROOT/target"
  else
    export PGRX_PG_CONFIG_PATH="$PG_BIN/pg_config"
    TARGET_DIR="$ROOT/target/pg$PG_MAJOR"
  fi
  export CARGO_TARGET_DIR="$TARGET_DIR"
}

# The emulator does not depend on the server: one build, in target/, for every version.
EMULATOR="$ROOT/target/release/sf-emulator"

PG_BIN_GIVEN="${PG_BIN:-}"
use_pg "${PG_VERSIONS%% *}"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi
}

# start_cluster DIR [extra postgresql.conf lines...]: sets PGHOST, PGPORT, PGUSER, PGDATABASE.
start_cluster() {
  local dir="$1"; shift
  CLUSTER_DIR="$dir"
  mkdir -p "$dir"
  chown postgres: "$dir" 2>/dev/null || true
  as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  PGPORT="$(free_port)"
  {
    echo "port = $PGPORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "log_min_messages = warning"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } | as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  export PGHOST="$dir" PGPORT PGUSER=postgres PGDATABASE=postgres
}

stop_cluster() {
  if [ -n "${CLUSTER_DIR:-}" ] && [ -f "$CLUSTER_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# start_emulator LOGFILE [flags...]: sets EMULATOR_PID and SF_EMULATOR_URL.
start_emulator() {
  local log="$1"; shift
  "$EMULATOR" --port 0 "$@" >"$log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 600); do
    if grep -q 'listening on' "$log" 2>/dev/null; then
      SF_EMULATOR_URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1)"
      export SF_EMULATOR_URL
      return 0
    fi
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "sf-emulator did not start:" >&2
  cat "$log" >&2
  return 1
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=
  fi
}

# Builds the emulator and builds + installs the extension into the server of use_pg.
# Quiet on success; the whole build log on failure.
build_and_install() {
  local sudo_flag=() log
  [ "$(id -u)" = 0 ] || sudo_flag=(--sudo)
  log="$(mktemp)"
  if ! (cd "$ROOT" && CARGO_TARGET_DIR="$ROOT/target" cargo build --release -p sf-emulator \
        && cargo pgrx install --release "${sudo_flag[@]}" --pg-config "$PG_BIN/pg_config" \
             --no-default-features --features "pg$PG_MAJOR") >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
