#!/usr/bin/env bash
# Benchmark (issue 6): load every Opportunity, all ~30 fields of the table IMPORT FOREIGN SCHEMA
# creates, from one sf-emulator into a local PostgreSQL table, by
#   fdw-rest           CALL salesforce_fdw.refresh(..., mode => 'full') into a new table, bulk 'off'
#   fdw-bulk           the same through Bulk API 2.0, bulk 'on'
#   copy               COPY of the same rows from a CSV file into a new table (the local ceiling)
#   copy-index-after   the same COPY into a bare table, then its primary key and index built
#   simple-salesforce  simple-salesforce query_all_iter + psycopg 3 COPY (bench/peers/)
#   singer             tap-salesforce (REST) | pipelinewise-target-postgres (bench/peers/)
# for each emulator scale (1,000·K opportunities) and latency. Not a test: appends raw results
# (JSON lines) to --out and prints a Markdown table for bench/README.md. See bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

ALL_METHODS="fdw-rest fdw-bulk copy copy-index-after simple-salesforce singer"
usage() {
  cat <<EOF
Usage: bench/refresh.sh [options]
  --scales LIST      emulator --scale values, K = 1,000·K opportunities (default: 200,1000)
  --latencies LIST   emulator latency per API request in ms (default: 0,150)
  --methods LIST     any of: ${ALL_METHODS// /,} (default: all)
  --runs N           runs per configuration, the table shows medians (default: 3)
  --peer-runs N      runs for simple-salesforce and singer, the slow peers (default: --runs)
  --out FILE         append raw results (JSON lines) here (default: bench/results/refresh-<time>.jsonl);
                     parts run with the same --out are summarized together
  --no-verify        skip the value comparison of each method's table with the FDW snapshot
  --no-build         use the installed extension and the built emulator as they are
Lists are comma- or space-separated.
EOF
}

list() { tr ',' ' ' <<<"$1"; }
scales=(200 1000); latencies=(0 150); read -ra methods <<<"$ALL_METHODS"
runs=3; peer_runs=""; out=""; verify=1; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scales) read -ra scales <<<"$(list "$2")"; shift 2 ;;
    --latencies) read -ra latencies <<<"$(list "$2")"; shift 2 ;;
    --methods) read -ra methods <<<"$(list "$2")"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --peer-runs) peer_runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-verify) verify=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for m in "${methods[@]}"; do
  [[ " $ALL_METHODS " == *" $m "* ]] || { echo "unknown method: $m" >&2; exit 2; }
done
peer_runs="${peer_runs:-$runs}"
if [ -z "$out" ]; then
  mkdir -p "$ROOT/bench/results"
  out="$ROOT/bench/results/refresh-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
fi
out="$(realpath -m "$out")"
mkdir -p "$(dirname "$out")"

log() { printf '[refresh] %s\n' "$*" >&2; }
uses() { [[ " ${methods[*]} " == *" $1 "* ]]; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- what the run needs -------------------------------------------------------------------
"$ROOT/scripts/setup.sh" >/dev/null
if [ "$build" = 1 ]; then
  log "building sf-emulator, building and installing the extension"
  build_and_install
fi

# bench/.venv-NAME from bench/peers/requirements-NAME.txt (exact pins); rebuilt when they change.
# Each peer has its own venv: tap-salesforce and target-postgres pin conflicting versions.
ensure_venv() {
  local name="$1" dir="$ROOT/bench/.venv-$1" req="$ROOT/bench/peers/requirements-$1.txt"
  if [ -x "$dir/bin/python" ] && cmp -s "$req" "$dir/requirements.txt"; then return 0; fi
  log "installing $name into bench/.venv-$name"
  python3 -c 'import ensurepip, venv' 2>/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$dir/requirements.txt"
}
if uses simple-salesforce; then ensure_venv simple-salesforce; fi
if uses singer; then ensure_venv tap-salesforce; ensure_venv target-postgres; fi
# measure.py starts each peer process under GNU time for its peak RSS.
if uses simple-salesforce || uses singer; then
  [ -x /usr/bin/time ] ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >/dev/null
fi

# --- cluster --------------------------------------------------------------------------------
TMP="$(mktemp -d /tmp/salesforce_fdw_refresh.XXXXXX)"
chmod 755 "$TMP"
mkdir "$TMP/data"                      # CSV files the server writes and reads
chown postgres: "$TMP/data" 2>/dev/null || true
cleanup() { stop_cluster; stop_emulator; rm -rf "$TMP"; }
trap cleanup EXIT
# Autovacuum off and a large max_wal_size: no background work from one run lands in the next.
start_cluster "$TMP/pg" "shared_buffers = 128MB" "max_wal_size = 8GB" "checkpoint_timeout = 30min" \
  "autovacuum = off"
PMPID="$(as_postgres head -1 "$TMP/pg/data/postmaster.pid")"

sql() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
export PGOPTIONS='-c client_min_messages=warning'   # no "does not exist, skipping" notices
# The peers connect as their own roles: measure.py finds their backends by process title.
sql <<'SQL'
CREATE ROLE bench_ss LOGIN SUPERUSER;
CREATE ROLE bench_singer LOGIN SUPERUSER;
SQL

machine="$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), \
$(free -g | awk '/^Mem:/ {print $2}') GB, $(. /etc/os-release && echo "$PRETTY_NAME"), \
PostgreSQL $(sql -c 'SHOW server_version' | cut -d' ' -f1) (shared_buffers 128MB, fsync off), \
emulator on the same machine, $(date -u +%F)"

# emit key=value...: one JSON line to $out (values that parse as JSON are kept as JSON).
emit() {
  python3 - "$@" >>"$out" <<'PY'
import json, sys
record = {}
for arg in sys.argv[1:]:
    key, value = arg.split("=", 1)
    try:
        record[key] = json.loads(value)
    except ValueError:
        record[key] = value
print(json.dumps(record))
PY
}
emit type=machine "machine=$machine"

emulator_api_calls() {
  curl -sf "$SF_EMULATOR_URL/__emulator/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["apiCalls"])'
}
set_latency() {
  curl -sf -X PUT -H 'Content-Type: application/json' -d "{\"latency_ms\": $1}" \
    "$SF_EMULATOR_URL/__emulator/faults" >/dev/null
}
# field NAME JSON: one top-level field of a JSON object (empty when missing or null)
field() { python3 -c 'import json, sys; v = json.loads(sys.argv[2]).get(sys.argv[1]); print("" if v is None else v)' "$1" "$2"; }
seconds() { python3 -c "print(round($2 - $1, 3))"; }
VMHWM="(regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\\s+(\\d+)'))[1]"

# --- one emulator per scale ------------------------------------------------------------------
setup_scale() {
  local scale="$1"
  log "scale $scale: starting sf-emulator"
  start_emulator "$TMP/emulator-$scale.log" --scale "$scale" --api-limit 100000000
  expected="$(curl -sf "$SF_EMULATOR_URL/__emulator/stats" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["records"]["Opportunity"])')"
  CSV="$TMP/data/opportunity-$scale.csv"
  # The reference snapshot (untimed, REST): the COPY method's CSV and what every table is
  # compared with. It also warms up the emulator and the extension.
  log "scale $scale: $expected opportunities; reference snapshot and CSV"
  sql <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench, sf, singer CASCADE;
DROP EXTENSION IF EXISTS salesforce_fdw CASCADE;
CREATE EXTENSION salesforce_fdw;
CREATE SERVER bench FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (login_url '$SF_EMULATOR_URL', client_id 'sf-emulator-client');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench
  OPTIONS (client_secret 'sf-emulator-secret', refresh_token 'sf-emulator-refresh');
CREATE SCHEMA sf;
CREATE SCHEMA bench;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (opportunity) FROM SERVER bench INTO sf;
ALTER FOREIGN TABLE sf.opportunity OPTIONS (ADD bulk 'off');
CALL salesforce_fdw.refresh('sf.opportunity', 'bench.opp_ref', mode => 'full', quiet => true);
COPY bench.opp_ref TO '$CSV' (FORMAT csv);
SQL
  local have
  have="$(sql -c 'SELECT count(*) FROM bench.opp_ref')"
  if [ "$have" != "$expected" ]; then
    echo "reference snapshot has $have rows, the emulator $expected" >&2
    return 1
  fi
  # column=Field for every column of the foreign table (the peers load the same fields)
  read -ra COLMAP <<<"$(sql <<'SQL'
SELECT string_agg(a.attname || '=' || substr(o, 7), ' ' ORDER BY a.attnum)
  FROM pg_attribute a, unnest(a.attfdwoptions) o
 WHERE a.attrelid = 'sf.opportunity'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND o LIKE 'field=%';
SQL
)"
  if uses singer; then
    cat >"$TMP/tap-config.json" <<EOF
{"client_id": "sf-emulator-client", "client_secret": "sf-emulator-secret",
 "refresh_token": "sf-emulator-refresh", "start_date": "2000-01-01T00:00:00Z", "api_type": "REST"}
EOF
    cat >"$TMP/target-config.json" <<EOF
{"host": "$PGHOST", "port": $PGPORT, "user": "bench_singer", "password": "unused",
 "dbname": "postgres", "default_target_schema": "singer"}
EOF
    # Discovery once per emulator (untimed), then select Opportunity and all its fields.
    "$ROOT/bench/.venv-tap-salesforce/bin/python" "$ROOT/bench/peers/tap_salesforce_launch.py" \
      --config "$TMP/tap-config.json" --discover >"$TMP/discovered.json" 2>"$TMP/discover.log" ||
      { cat "$TMP/discover.log" >&2; return 1; }
    python3 "$ROOT/bench/peers/make_catalog.py" "$TMP/discovered.json" >"$TMP/catalog.json"
  fi
}

# --- the methods: each sets wall, rows, calls, calls_emulator, backend_kb, clients, error ---------
reset_result() { wall=""; rows=""; calls=""; calls_emulator=""; backend_kb=""; clients="{}"; error=""; }

# timed_in_session STATEMENTS: runs them in one new backend, timed inside the session, and reads
# that backend's VmHWM right after; sets wall and backend_kb, or error (and fails).
timed_in_session() {
  local result
  if ! result="$(sql 2>"$TMP/last.err" <<SQL
SELECT 'start ' || extract(epoch FROM clock_timestamp());
$1
SELECT 'end ' || extract(epoch FROM clock_timestamp());
SELECT 'peak ' || $VMHWM;
SQL
)"; then
    error="$(tail -3 "$TMP/last.err" | tr '\n' ' ')"
    return 1
  fi
  wall="$(seconds "$(awk '/^start/ {print $2}' <<<"$result")" "$(awk '/^end/ {print $2}' <<<"$result")")"
  backend_kb="$(awk '/^peak/ {print $2}' <<<"$result")"
}

run_fdw() {  # run_fdw off|on TARGET
  local mode="$1" target="$2" before
  sql <<SQL
SET client_min_messages = warning;
ALTER FOREIGN TABLE sf.opportunity OPTIONS (SET bulk '$mode');
DROP TABLE IF EXISTS $target;
DELETE FROM salesforce_fdw.snapshots WHERE target = '$target';
CHECKPOINT;
SQL
  before="$(emulator_api_calls)"
  timed_in_session "CALL salesforce_fdw.refresh('sf.opportunity', '$target', mode => 'full', quiet => true);" ||
    return 0
  calls_emulator=$(( $(emulator_api_calls) - before ))
  calls="$(sql -c "SELECT api_calls FROM salesforce_fdw.refresh_runs WHERE target = '$target' ORDER BY run_id DESC LIMIT 1")"
  rows="$(sql -c "SELECT count(*) FROM $target")"
}

# run_copy [index-after]: into a table with the snapshot's primary key and index, or (with
# index-after) into a bare table whose key and index are built after the rows, as a refresh
# does for a table it creates; both timed.
run_copy() {
  local table=bench.opp_copy like="INCLUDING ALL" keys=""
  if [ "${1:-}" = index-after ]; then
    table=bench.opp_copy_ia; like=""
    keys="ALTER TABLE $table ADD PRIMARY KEY (id); CREATE INDEX ON $table (system_modstamp);"
  fi
  sql <<SQL
DROP TABLE IF EXISTS $table;
CREATE TABLE $table (LIKE bench.opp_ref $like);
CHECKPOINT;
SQL
  timed_in_session "COPY $table FROM '$CSV' (FORMAT csv); $keys" || return 0
  calls=0; calls_emulator=0
  rows="$(sql -c "SELECT count(*) FROM $table")"
}

# measure_peer ROLE NAMES LOGNAME -- CMD...: runs it under measure.py; sets wall, backend_kb,
# clients, calls_emulator, error (when a client fails).
measure_peer() {
  local role="$1" names="$2" logname="$3" before m; shift 4
  before="$(emulator_api_calls)"
  if ! m="$(python3 "$ROOT/bench/peers/measure.py" --pmpid "$PMPID" --role "$role" \
              --log "$TMP/$logname" --names "$names" -- "$@")"; then
    error="measure.py failed"
    return 0
  fi
  calls_emulator=$(( $(emulator_api_calls) - before ))
  calls="$calls_emulator"
  wall="$(field wall_s "$m")"
  backend_kb="$(field backend_peak_kb "$m")"
  clients="$(python3 -c 'import json, sys; print(json.dumps({c["name"]: c["maxrss_kb"] for c in json.loads(sys.argv[1])["clients"]}))' "$m")"
  local failed
  failed="$(python3 -c 'import json, sys; print(" ".join(c["name"] for c in json.loads(sys.argv[1])["clients"] if c["rc"] != 0))' "$m")"
  if [ -n "$failed" ]; then
    error="$failed failed: $(cat "$TMP/$logname".*.err | { grep -v '^INFO' || true; } | tail -3 | tr '\n' ' ')"
  fi
}

run_simple_salesforce() {
  sql <<'SQL'
DROP TABLE IF EXISTS bench.opp_ss;
CREATE TABLE bench.opp_ss (LIKE bench.opp_ref INCLUDING ALL);
CHECKPOINT;
SQL
  measure_peer bench_ss simple-salesforce ss -- \
    "$ROOT/bench/.venv-simple-salesforce/bin/python" "$ROOT/bench/peers/simple_salesforce_load.py" \
    "$SF_EMULATOR_URL" "host=$PGHOST port=$PGPORT dbname=postgres user=bench_ss application_name=bench-simple-salesforce" \
    bench.opp_ss "${COLMAP[@]}"
  [ -n "$error" ] && return 0
  # The script also read its backend's VmHWM in the session at the end: exact, keep the larger.
  local inside
  inside="$(field backend_vmhwm_kb "$(cat "$TMP/ss.out")")"
  if [ -n "$inside" ] && { [ -z "$backend_kb" ] || [ "$inside" -gt "$backend_kb" ]; }; then backend_kb="$inside"; fi
  rows="$(sql -c 'SELECT count(*) FROM bench.opp_ss')"
}

run_singer() {
  sql <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS singer CASCADE;  -- target-postgres creates its schema and table
CHECKPOINT;
SQL
  measure_peer bench_singer tap-salesforce,target-postgres singer -- \
    "$ROOT/bench/.venv-tap-salesforce/bin/python" "$ROOT/bench/peers/tap_salesforce_launch.py" \
      --config "$TMP/tap-config.json" --properties "$TMP/catalog.json" \
    '|' "$ROOT/bench/.venv-target-postgres/bin/target-postgres" --config "$TMP/target-config.json"
  [ -n "$error" ] && return 0
  rows="$(sql -c 'SELECT count(*) FROM singer.opportunity' 2>/dev/null || echo 0)"
}

# verify METHOD: prints the number of rows of its table that differ from the reference
# snapshot (0 = identical). Same column types: whole rows. target-postgres makes its own names
# (lower-case API names) and types (varchar, double precision, numeric, timestamp without time
# zone): every column, cast back; it writes text through JSON escapes into COPY CSV, so
# newlines arrive as the two characters \n: for singer a second number counts the rows that
# still differ when that is allowed for.
verify_method() {
  local table
  case "$1" in
    fdw-rest) table=bench.opp_rest ;; fdw-bulk) table=bench.opp_bulk ;;
    copy) table=bench.opp_copy ;; copy-index-after) table=bench.opp_copy_ia ;;
    simple-salesforce) table=bench.opp_ss ;;
    singer)
      local pair col fld typ exact=() lenient=()
      for pair in "${COLMAP[@]}"; do
        col="${pair%%=*}"; fld="s.\"$(tr '[:upper:]' '[:lower:]' <<<"${pair#*=}")\""
        typ="$(sql -c "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'bench.opp_ref'::regclass AND attname = '$col'")"
        case "$typ" in
          text) exact+=("$fld IS DISTINCT FROM r.$col")
                lenient+=("$fld IS DISTINCT FROM replace(r.$col, E'\\n', E'\\\\n')") ;;
          numeric) exact+=("$fld::numeric IS DISTINCT FROM r.$col") ;;
          integer) exact+=("$fld::integer IS DISTINCT FROM r.$col") ;;
          date) exact+=("$fld::date IS DISTINCT FROM r.$col") ;;
          "timestamp with time zone") exact+=("$fld IS DISTINCT FROM (r.$col AT TIME ZONE 'UTC')") ;;
          *) exact+=("$fld IS DISTINCT FROM r.$col") ;;
        esac
        [ "$typ" = text ] || lenient+=("${exact[-1]}")
      done
      local join="FROM bench.opp_ref r FULL JOIN singer.opportunity s ON s.id = r.id WHERE r.id IS NULL OR s.id IS NULL"
      sql -c "SELECT (SELECT count(*) $join$(printf ' OR %s' "${exact[@]}")) || ' ' ||
                     (SELECT count(*) $join$(printf ' OR %s' "${lenient[@]}"))"
      return ;;
  esac
  sql -c "SELECT count(*) FROM ((TABLE bench.opp_ref EXCEPT ALL TABLE $table)
                          UNION ALL (TABLE $table EXCEPT ALL TABLE bench.opp_ref)) d"
}

# --- the benchmark --------------------------------------------------------------------------
log "results: $out"
for scale in "${scales[@]}"; do
  setup_scale "$scale"
  for latency in "${latencies[@]}"; do
    set_latency "$latency"
    for method in "${methods[@]}"; do
      n="$runs"
      case "$method" in simple-salesforce|singer) n="$peer_runs" ;; esac
      for run in $(seq 1 "$n"); do
        reset_result
        case "$method" in
          fdw-rest) run_fdw off bench.opp_rest ;;
          fdw-bulk) run_fdw on bench.opp_bulk ;;
          copy) run_copy ;;
          copy-index-after) run_copy index-after ;;
          simple-salesforce) run_simple_salesforce ;;
          singer) run_singer ;;
        esac
        if [ -z "$error" ] && [ "$rows" != "$expected" ]; then
          error="loaded ${rows:-no} rows, expected $expected"
        fi
        status=ok; [ -z "$error" ] || status=failed
        emit type=run "method=$method" "scale=$scale" "rows_expected=$expected" "latency_ms=$latency" \
          "run=$run" "status=$status" "wall_s=${wall:-null}" "rows=${rows:-null}" "api_calls=${calls:-null}" \
          "api_calls_emulator=${calls_emulator:-null}" "backend_peak_kb=${backend_kb:-null}" \
          "client_peak_kb=$clients" "error=$error"
        log "scale $scale, ${latency} ms, $method, run $run/$n: $status, ${wall:-?} s, ${rows:-?} rows, \
${calls:-?} API calls (emulator: ${calls_emulator:-?}), backend ${backend_kb:-?} kB, clients $clients${error:+: $error}"
        # Once per scale, the first successful run's table is compared with the reference.
        if [ "$verify" = 1 ] && [ "$status" = ok ] && [ "$run" = 1 ] && [ "$latency" = "${latencies[0]}" ]; then
          read -r differing lenient <<<"$(verify_method "$method")"
          emit type=verify "method=$method" "scale=$scale" "rows_expected=$expected" "differing_rows=$differing" \
            ${lenient:+"differing_rows_newlines_as_backslash_n=$lenient"}
          if [ "$differing" = 0 ]; then
            log "  values: identical to the reference snapshot"
          else
            log "  values: $differing rows differ from the reference snapshot${lenient:+ ($lenient when newlines stored as \\n are allowed)}"
          fi
        fi
      done
    done
  done
  stop_emulator
done

echo
python3 "$ROOT/bench/peers/summarize.py" "$out"
