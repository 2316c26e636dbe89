#!/bin/sh
# bench/run.sh — measures minsheng on 1,000,000 residents and prints
# the figures. Not part of the test suite (nothing here passes or fails
# on a number).
#
#   1. builds a street with ~420,000 households (~1M residents) with the
#      demo generator and exports it to CSV (full ID numbers);
#   2. imports that CSV into a database holding only the org tree:
#      rows/s of `minsheng import residents`;
#   3. serves the imported database and runs wrk (16 connections, 2
#      threads, BENCH_SECONDS each) against resident search by grid and
#      by name: req/s and latency.
#
# Environment: BENCH_HOUSEHOLDS (default 420000), BENCH_SECONDS (10),
# BENCH_PORT (18080), BENCH_DIR (default bench/out).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)" build/minsheng >/dev/null
BIN=./build/minsheng
HH="${BENCH_HOUSEHOLDS:-420000}"
SECS="${BENCH_SECONDS:-10}"
PORT="${BENCH_PORT:-18080}"
OUT="${BENCH_DIR:-bench/out}"
mkdir -p "$OUT"
rm -f "$OUT"/source.db* "$OUT"/target.db* "$OUT"/residents.csv

now() { date +%s.%N; }

echo "== 1. demo street with $HH households"
t0=$(now)
$BIN --db "$OUT/source.db" demo --households "$HH" --seed 1 >/dev/null
t1=$(now)
$BIN --db "$OUT/source.db" export residents --full-id --out "$OUT/residents.csv"
t2=$(now)
rows=$(($(wc -l < "$OUT/residents.csv") - 1))
echo "generated: $rows residents in $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s; export: $(awk "BEGIN{printf \"%.1f\", $t2 - $t1}") s ($(awk "BEGIN{printf \"%.0f\", $rows / ($t2 - $t1)}") rows/s)"

echo "== 2. CSV import of $rows residents"
$BIN --db "$OUT/target.db" demo --households 0 --seed 1 >/dev/null
t0=$(now)
$BIN --db "$OUT/target.db" import residents "$OUT/residents.csv"
t1=$(now)
secs=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
echo "import: $rows rows in $secs s = $(awk "BEGIN{printf \"%.0f\", $rows / ($t1 - $t0)}") rows/s"
ls -l "$OUT/target.db" | awk '{printf "database size: %.0f MiB\n", $5 / 1048576}'

echo "== 3. search under load (wrk, 16 connections, ${SECS}s each)"
$BIN --db "$OUT/target.db" serve --listen "127.0.0.1:$PORT" --threads 4 >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT INT TERM
for i in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
    sleep 0.1
done
token() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"Minsheng@2026\"}" \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/'
}
STREET_TOKEN=$(token jiedao)
GRID_TOKEN=$(token wangge0101)
GRIDS=$(sqlite3 "$OUT/target.db" "SELECT group_concat(id) FROM org_unit WHERE kind='grid'")

run_wrk() {
    label=$1; shift
    echo "-- $label"
    wrk -t2 -c16 -d"${SECS}s" --latency "$@" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx' || true
}
# By grid: the street user pages through every grid in turn.
GRIDS="$GRIDS" run_wrk "search by grid (street user, all 131 grids in turn)" \
    -H "Authorization: Bearer $STREET_TOKEN" -s bench/by_grid.lua "http://127.0.0.1:$PORT"
# By name prefix across the whole street.
run_wrk "search by name prefix (street user, whole street)" \
    -H "Authorization: Bearer $STREET_TOKEN" -s bench/by_name.lua "http://127.0.0.1:$PORT"
# A grid worker searching by name inside their own grid.
run_wrk "search by name (grid worker, own grid)" \
    -H "Authorization: Bearer $GRID_TOKEN" -s bench/by_name.lua "http://127.0.0.1:$PORT"
kill $SERVER
wait $SERVER 2>/dev/null || true
trap - EXIT INT TERM
