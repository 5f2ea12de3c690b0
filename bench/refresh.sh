#!/usr/bin/env bash
# Benchmark (issues 6 and 12): load every Opportunity, all ~30 fields of the table IMPORT
# FOREIGN SCHEMA creates, from one sf-emulator into a local PostgreSQL table, by
#   fdw-rest           CALL salesforce_fdw.refresh(..., mode => 'full') into a new table, bulk 'off'
#   fdw-bulk           the same through Bulk API 2.0, bulk 'on', the server's default bulk_parallelism
#   fdw-bulk-k1/k4/k8  bulk 'on' with the server option bulk_parallelism 1, 4 or 8
#   fdw-auto           bulk 'auto' (the FDW's own choice: Bulk above bulk_threshold estimated rows)
#   copy               COPY of the same rows from a CSV file into a new table (the local ceiling)
#   copy-index-after   the same COPY into a bare table, then its primary key and index built
#   simple-salesforce  simple-salesforce query_all_iter + psycopg 3 COPY (bench/peers/)
#   simple-salesforce-bulk  simple-salesforce bulk2 query, each CSV page into psycopg 3 COPY
#   jsforce-bulk       jsforce bulk2 query as CSV | psql \copy (bench/peers/)
#   singer             tap-salesforce (REST) | pipelinewise-target-postgres (bench/peers/)
# for each emulator scale (1,000·K opportunities) and latency. Not a test: appends raw results
# (JSON lines, with the emulator's settings and each run's requests, for the latency floors)
# to --out and prints a Markdown table for bench/README.md. See bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/lib.sh

ALL_METHODS="fdw-rest fdw-bulk fdw-bulk-k1 fdw-bulk-k4 fdw-bulk-k8 fdw-auto copy copy-index-after
simple-salesforce simple-salesforce-bulk jsforce-bulk singer"
ALL_METHODS="${ALL_METHODS//$'\n'/ }"
# The methods run by default: fdw-bulk-k4 is fdw-bulk with the option said (4 is the default).
DEFAULT_METHODS="fdw-rest fdw-bulk-k1 fdw-bulk fdw-bulk-k8 fdw-auto copy copy-index-after
simple-salesforce simple-salesforce-bulk jsforce-bulk singer"
# The emulator's settings, passed explicitly and recorded in every result line: its defaults.
BULK_DELAY_MS=300       # Bulk job: time from creation to JobComplete
BULK_QUEUE_MS=0         # Bulk job: time in the queue before that
BULK_PAGE_RECORDS=50000 # records per Bulk results page when the client does not say
REST_PAGE_RECORDS=2000  # records per REST query page (batchSize 2000: the FDW's and the emulator's default)
DEFAULT_BULK_PARALLELISM=4  # the server option's documented default (README.md)
usage() {
  cat <<EOF
Usage: bench/refresh.sh [options]
  --scales LIST      emulator --scale values, K = 1,000·K opportunities (default: 200,1000)
  --latencies LIST   emulator latency per API request in ms (default: 0,150)
  --methods LIST     any of: ${ALL_METHODS// /,}
                     (default: ${DEFAULT_METHODS//$'\n'/ })
  --bandwidth N      emulator bandwidth in bytes/s per response, PUT /__emulator/faults key
                     bandwidth_bytes_per_sec next to the latency (default: 0 = unlimited, not sent)
  --runs N           runs per configuration, the table shows medians (default: 3)
  --peer-runs N      runs for the scripted peers (simple-salesforce, simple-salesforce-bulk,
                     jsforce-bulk, singer) (default: --runs)
  --out FILE         append raw results (JSON lines) here (default: bench/results/refresh-<time>.jsonl);
                     parts run with the same --out are summarized together
  --no-verify        skip the value comparison of each method's table with the FDW snapshot
  --no-build         use the installed extension and the built emulator as they are
Lists are comma- or space-separated.
EOF
}

list() { tr ',' ' ' <<<"$1"; }
scales=(200 1000); latencies=(0 150); read -ra methods <<<"${DEFAULT_METHODS//$'\n'/ }"
runs=3; peer_runs=""; out=""; verify=1; build=1; bandwidth=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scales) read -ra scales <<<"$(list "$2")"; shift 2 ;;
    --latencies) read -ra latencies <<<"$(list "$2")"; shift 2 ;;
    --methods) read -ra methods <<<"$(list "$2")"; shift 2 ;;
    --bandwidth) bandwidth="$2"; shift 2 ;;
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
[[ "$bandwidth" =~ ^[0-9]+$ ]] || { echo "--bandwidth: bytes per second, 0 = unlimited" >&2; exit 2; }
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
PG_VERSIONS="$PG_MAJOR" "$ROOT/scripts/setup.sh" >/dev/null
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
# jsforce: bench/.venv-jsforce/node_modules from the pins of tests/real-clients (package.json and
# package-lock.json, the jsforce the regression tests run), `npm ci`; redone when they change.
ensure_node() {
  local dir="$ROOT/bench/.venv-jsforce" src="$ROOT/tests/real-clients"
  if [ -d "$dir/node_modules/jsforce" ] && cmp -s "$src/package-lock.json" "$dir/installed-package-lock.json"; then
    return 0
  fi
  log "installing jsforce into bench/.venv-jsforce"
  command -v npm >/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$src/package-lock.json" "$dir/installed-package-lock.json"
}
if uses simple-salesforce || uses simple-salesforce-bulk; then ensure_venv simple-salesforce; fi
if uses singer; then ensure_venv tap-salesforce; ensure_venv target-postgres; fi
if uses jsforce-bulk; then ensure_node; fi
# measure.py starts each peer process under GNU time for its peak RSS.
if uses simple-salesforce || uses simple-salesforce-bulk || uses jsforce-bulk || uses singer; then
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
CREATE ROLE bench_js LOGIN SUPERUSER;
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
# set_faults LATENCY_MS: the latency, and --bandwidth when it is not 0 (an emulator without
# bandwidth_bytes_per_sec refuses unknown keys, so 0 sends nothing and any emulator works).
set_faults() {
  local body="{\"latency_ms\": $1}"
  [ "$bandwidth" = 0 ] || body="{\"latency_ms\": $1, \"bandwidth_bytes_per_sec\": $bandwidth}"
  if ! curl -sS -f -X PUT -H 'Content-Type: application/json' -d "$body" \
         "$SF_EMULATOR_URL/__emulator/faults" >/dev/null 2>"$TMP/faults.err"; then
    echo "PUT /__emulator/faults $body refused ($(cat "$TMP/faults.err")):" \
      "does this sf-emulator know bandwidth_bytes_per_sec?" >&2
    return 1
  fi
}
# The requests of one run: the emulator's request log is cleared before it and read after it.
clear_requests() { curl -sf -X DELETE "$SF_EMULATOR_URL/__emulator/requests" >/dev/null; }
request_profile() {
  curl -sf "$SF_EMULATOR_URL/__emulator/requests" | python3 "$ROOT/bench/peers/emulator_probe.py" profile
}
# field NAME JSON: one top-level field of a JSON object (empty when missing or null)
field() { python3 -c 'import json, sys; v = json.loads(sys.argv[2]).get(sys.argv[1]); print("" if v is None else v)' "$1" "$2"; }
seconds() { python3 -c "print(round($2 - $1, 3))"; }
VMHWM="(regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\\s+(\\d+)'))[1]"

# --- one emulator per scale ------------------------------------------------------------------
setup_scale() {
  local scale="$1"
  log "scale $scale: starting sf-emulator"
  start_emulator "$TMP/emulator-$scale.log" --scale "$scale" --api-limit 100000000 \
    --bulk-delay-ms "$BULK_DELAY_MS" --bulk-queue-ms "$BULK_QUEUE_MS" --bulk-page-records "$BULK_PAGE_RECORDS"
  # Refused settings fail now, not after the reference snapshot; the faults are set per latency.
  if [ "$bandwidth" != 0 ]; then
    set_faults 0
    curl -sf -X DELETE "$SF_EMULATOR_URL/__emulator/faults" >/dev/null
  fi
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
  # Bytes per record on the wire (REST JSON page, Bulk CSV page gzipped and not), for the floors.
  read -ra FIELDS <<<"$(for pair in "${COLMAP[@]}"; do printf '%s ' "${pair#*=}"; done)"
  PAGE_BYTES="$(python3 "$ROOT/bench/peers/emulator_probe.py" page-bytes "$SF_EMULATOR_URL" "${FIELDS[@]}")"
  log "scale $scale: bytes per record: $PAGE_BYTES"
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
reset_result() { wall=""; rows=""; calls=""; calls_emulator=""; backend_kb=""; clients="{}"; error=""; requests="{}"; }

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

# server_option NAME [VALUE]: sets the option of server bench (ADD or SET), or drops it
# without VALUE (when it is set).
server_option() {
  local name="$1" value="${2:-}" have
  have="$(sql -c "SELECT count(*) FROM pg_foreign_server, pg_options_to_table(srvoptions)
                   WHERE srvname = 'bench' AND option_name = '$name'")"
  if [ -n "$value" ]; then
    if [ "$have" = 0 ]; then sql -c "ALTER SERVER bench OPTIONS (ADD $name '$value')"
    else sql -c "ALTER SERVER bench OPTIONS (SET $name '$value')"; fi
  elif [ "$have" != 0 ]; then
    sql -c "ALTER SERVER bench OPTIONS (DROP $name)"
  fi
}

# run_fdw off|on|auto TARGET [K]: with K, the server option bulk_parallelism is K for the run
# (and dropped after it: the server has none otherwise, so the default applies).
run_fdw() {
  local mode="$1" target="$2" k="${3:-}" before
  [ -z "$k" ] || server_option bulk_parallelism "$k"
  sql <<SQL
SET client_min_messages = warning;
ALTER FOREIGN TABLE sf.opportunity OPTIONS (SET bulk '$mode');
DROP TABLE IF EXISTS $target;
DELETE FROM salesforce_fdw.snapshots WHERE target = '$target';
CHECKPOINT;
SQL
  before="$(emulator_api_calls)"
  clear_requests
  if timed_in_session "CALL salesforce_fdw.refresh('sf.opportunity', '$target', mode => 'full', quiet => true);"; then
    calls_emulator=$(( $(emulator_api_calls) - before ))
    requests="$(request_profile)"
    calls="$(sql -c "SELECT api_calls FROM salesforce_fdw.refresh_runs WHERE target = '$target' ORDER BY run_id DESC LIMIT 1")"
    rows="$(sql -c "SELECT count(*) FROM $target")"
  fi
  [ -z "$k" ] || server_option bulk_parallelism
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
  clear_requests
  if ! m="$(python3 "$ROOT/bench/peers/measure.py" --pmpid "$PMPID" --role "$role" \
              --log "$TMP/$logname" --names "$names" -- "$@")"; then
    error="measure.py failed"
    return 0
  fi
  calls_emulator=$(( $(emulator_api_calls) - before ))
  requests="$(request_profile)"
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

# run_simple_salesforce [bulk]: query_all_iter (simple_salesforce_load.py) into bench.opp_ss, or
# with bulk the Bulk API 2.0 query (simple_salesforce_bulk_load.py) into bench.opp_ssb.
run_simple_salesforce() {
  local table=bench.opp_ss script=simple_salesforce_load.py name=simple-salesforce
  if [ "${1:-}" = bulk ]; then
    table=bench.opp_ssb script=simple_salesforce_bulk_load.py name=simple-salesforce-bulk
  fi
  sql <<SQL
DROP TABLE IF EXISTS $table;
CREATE TABLE $table (LIKE bench.opp_ref INCLUDING ALL);
CHECKPOINT;
SQL
  measure_peer bench_ss "$name" ss -- \
    "$ROOT/bench/.venv-simple-salesforce/bin/python" "$ROOT/bench/peers/$script" \
    "$SF_EMULATOR_URL" "host=$PGHOST port=$PGPORT dbname=postgres user=bench_ss application_name=bench-$name" \
    "$table" "${COLMAP[@]}"
  [ -n "$error" ] && return 0
  # The script also read its backend's VmHWM in the session at the end: exact, keep the larger.
  local inside
  inside="$(field backend_vmhwm_kb "$(cat "$TMP/ss.out")")"
  if [ -n "$inside" ] && { [ -z "$backend_kb" ] || [ "$inside" -gt "$backend_kb" ]; }; then backend_kb="$inside"; fi
  rows="$(sql -c "SELECT count(*) FROM $table")"
}

# jsforce's Bulk API 2.0 query written as CSV to stdout (jsforce_bulk_load.js), piped into psql's
# \copy ... from pstdin (its standard input), one pipeline timed by measure.py.
run_jsforce_bulk() {
  local cols
  cols="$(for pair in "${COLMAP[@]}"; do printf '%s,' "${pair%%=*}"; done)"
  cols="${cols%,}"
  sql <<'SQL'
DROP TABLE IF EXISTS bench.opp_jsb;
CREATE TABLE bench.opp_jsb (LIKE bench.opp_ref INCLUDING ALL);
CHECKPOINT;
SQL
  measure_peer bench_js jsforce,psql js -- \
    node "$ROOT/bench/peers/jsforce_bulk_load.js" "$SF_EMULATOR_URL" "${COLMAP[@]}" \
    '|' "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U bench_js -d postgres \
      -c "\\copy bench.opp_jsb ($cols) from pstdin (format csv, header)"
  [ -n "$error" ] && return 0
  rows="$(sql -c 'SELECT count(*) FROM bench.opp_jsb')"
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
    fdw-bulk-k*) table="bench.opp_bulk_${1#fdw-bulk-}" ;; fdw-auto) table=bench.opp_auto ;;
    copy) table=bench.opp_copy ;; copy-index-after) table=bench.opp_copy_ia ;;
    simple-salesforce) table=bench.opp_ss ;; simple-salesforce-bulk) table=bench.opp_ssb ;;
    jsforce-bulk) table=bench.opp_jsb ;;
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
    set_faults "$latency"
    for method in "${methods[@]}"; do
      n="$runs"
      case "$method" in simple-salesforce|simple-salesforce-bulk|jsforce-bulk|singer) n="$peer_runs" ;; esac
      # K: the Bulk results pages the method downloads at once (FDW methods only; the peers
      # read pages one after another). null where no Bulk job is possible.
      case "$method" in
        fdw-bulk-k*) k="${method#fdw-bulk-k}" ;;
        fdw-bulk|fdw-auto) k="$DEFAULT_BULK_PARALLELISM" ;;
        simple-salesforce-bulk|jsforce-bulk) k=1 ;;
        *) k=null ;;
      esac
      for run in $(seq 1 "$n"); do
        reset_result
        case "$method" in
          fdw-rest) run_fdw off bench.opp_rest ;;
          fdw-bulk) run_fdw on bench.opp_bulk ;;
          fdw-bulk-k*) run_fdw on "bench.opp_bulk_k$k" "$k" ;;
          fdw-auto) run_fdw auto bench.opp_auto ;;
          copy) run_copy ;;
          copy-index-after) run_copy index-after ;;
          simple-salesforce) run_simple_salesforce ;;
          simple-salesforce-bulk) run_simple_salesforce bulk ;;
          jsforce-bulk) run_jsforce_bulk ;;
          singer) run_singer ;;
        esac
        if [ -z "$error" ] && [ "$rows" != "$expected" ]; then
          error="loaded ${rows:-no} rows, expected $expected"
        fi
        status=ok; [ -z "$error" ] || status=failed
        emit type=run "method=$method" "scale=$scale" "rows_expected=$expected" "latency_ms=$latency" \
          "run=$run" "status=$status" "wall_s=${wall:-null}" "rows=${rows:-null}" "api_calls=${calls:-null}" \
          "api_calls_emulator=${calls_emulator:-null}" "backend_peak_kb=${backend_kb:-null}" \
          "client_peak_kb=$clients" "error=$error" \
          "bandwidth_bytes_per_sec=$bandwidth" "bulk_delay_ms=$BULK_DELAY_MS" "bulk_queue_ms=$BULK_QUEUE_MS" \
          "bulk_page_records=$BULK_PAGE_RECORDS" "rest_page_records=$REST_PAGE_RECORDS" "bulk_parallelism=$k" \
          "page_bytes=$PAGE_BYTES" "requests=$requests"
        log "scale $scale, ${latency} ms, $method, run $run/$n: $status, ${wall:-?} s, ${rows:-?} rows, \
${calls:-?} API calls (emulator: ${calls_emulator:-?}), backend ${backend_kb:-?} kB, clients $clients${error:+: $error}"
        log "  requests: $requests"
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
