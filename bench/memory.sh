#!/bin/sh
# memory.sh — throughput of the resident detail and the grid list, and the
# server's memory high-water mark (VmHWM), on an existing large database.
#
#   BIN=build/minsheng DB=/tmp/big.db sh bench/memory.sh [serve flags…]
#
# DB is a street made by `minsheng --db DB demo --households 400000`
# (~1M residents). Steps: serve (two-factor off, 4 threads), VmHWM at
# rest; 50 sign-ins at once, VmHWM; wrk -t2 -c16 on the resident detail
# and on the list by grid (page of 50, the 131 grids in turn), VmHWM;
# then a mixed minute: both wrk runs, street statistics and 50 more
# sign-ins at the same time, VmHWM. Nothing here passes or fails.
set -eu
BIN=${BIN:-build/minsheng}
DB=${DB:?DB=path of a demo database}
SECS=${BENCH_SECONDS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"

"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --two-factor off "$@" >"${TMPDIR:-/tmp}/memory-bench-$$.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
    curl -fs "$URL/api/v1/openapi.json" >/dev/null 2>&1 && break
    sleep 0.2
done
hwm() { printf '%-40s VmHWM %s, VmRSS %s\n' "$1" \
    "$(awk '/VmHWM/ {print $2 " " $3}' /proc/$PID/status)" "$(awk '/VmRSS/ {print $2 " " $3}' /proc/$PID/status)"; }
login() {
    curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"Minsheng@2026\"}" \
        "$URL/api/v1/auth/login"
}
burst() {   # $1 sign-ins at once; prints how many succeeded
    i=0
    while [ $i -lt "$1" ]; do (login jiedao >/dev/null && echo ok) & i=$((i + 1)); done | grep -c ok || true
}
hwm "at rest"
TOKEN=$(login jiedao | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/')
echo "50 sign-ins at once: $(burst 50) succeeded"
hwm "after 50 sign-ins"

GRIDS=$(sqlite3 "$DB" "SELECT group_concat(id) FROM org_unit WHERE kind = 'grid'")
MAXID=$(sqlite3 "$DB" "SELECT MAX(id) FROM resident")
run_wrk() {
    echo "-- $1"; shift
    wrk -t2 -c16 -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$@" |
        grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx' || true
}
MAXID=$MAXID run_wrk "resident detail (street user)" -s "$HERE/detail.lua" "$URL"
GRIDS=$GRIDS run_wrk "residents by grid, page of 50 (street user)" -s "$HERE/by_grid.lua" "$URL"
hwm "after detail and list runs"

echo "-- mixed: detail + list + statistics + 50 sign-ins at once"
MAXID=$MAXID wrk -t1 -c8 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" -s "$HERE/detail.lua" "$URL" >/dev/null &
W1=$!
GRIDS=$GRIDS wrk -t1 -c8 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" -s "$HERE/by_grid.lua" "$URL" >/dev/null &
W2=$!
for _ in 1 2 3; do curl -fs -H "Authorization: Bearer $TOKEN" "$URL/api/v1/stats/tags" >/dev/null & done
echo "50 sign-ins under load: $(burst 50) succeeded"
wait $W1 $W2
hwm "after the mixed run"
