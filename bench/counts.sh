#!/bin/sh
# counts.sh — statistics and org-tree counts at scale, and what the
# maintained counters (migration 0009) cost a write and an import.
# Prints figures; passes or fails nothing.
#
#   BIN=build/minsheng DB=/tmp/x/big.db sh bench/counts.sh
#
# DB is a street made with `demo --households 400000` (~1M residents);
# it is written to (resident creates), so use a copy. Each endpoint is
# timed alone (curl, median of 7, warm) and under wrk (2 threads, 16
# connections, BENCH_SECONDS), then resident creates on one connection
# (BENCH_BIRTH_YEAR: another base year for the ID numbers when run again
# on the same database). IMPORT_CSV (optional): a residents CSV imported
# into a fresh org-tree-only database (`demo --households 0`: leave out
# 楼栋编码, as its buildings are fewer), timed.
set -eu
BIN=${BIN:-build/minsheng}
DB=${DB:?DB=street database}
SECS=${BENCH_SECONDS:-10}
PORT=${PORT:-18$(($$ % 900 + 100))}
OUT=$(mktemp -d)
URL="http://127.0.0.1:$PORT"

$BIN --db "$DB" serve --listen "127.0.0.1:$PORT" --threads 4 --two-factor off --max-conn-per-ip 0 \
    >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT INT TERM
for i in $(seq 1 600); do
    curl -fs "$URL/api/v1/openapi.json" >/dev/null 2>&1 && break
    kill -0 $SERVER 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
    sleep 0.1
done
tok=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"jiedao","password":"Minsheng@2026"}' \
    "$URL/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/')
COMMUNITY=$(sqlite3 "$DB" "SELECT id FROM org_unit WHERE kind = 'community' ORDER BY code LIMIT 1")

alone() {   # median of 7 timings in ms
    for i in 1 2 3 4 5 6 7 8; do
        curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" "$URL$1"
    done | tail -n 7 | sort -n | sed -n 4p | awk '{printf "%.1f", $1 * 1000}'
}
loaded() {
    wrk -t2 -c16 -d"${SECS}s" --latency -H "Authorization: Bearer $tok" "$URL$1" |
        awk '/Requests\/sec/ {r = $2} / 50%/ {p50 = $2} / 99%/ {p99 = $2} /Non-2xx/ {bad = $NF}
             END {printf "%s req/s, p50 %s, p99 %s%s", r, p50, p99, bad ? ", non-2xx " bad : ""}'
}
printf '| endpoint | alone (ms) | wrk 16 connections |\n|---|---|---|\n'
for path in "/api/v1/stats/tags" "/api/v1/stats/tags?org_unit_id=$COMMUNITY" \
            "/api/v1/stats/org-units" "/api/v1/stats/org-units?parent_id=$COMMUNITY" \
            "/api/v1/org-units" "/api/v1/org-units?parent_id=$COMMUNITY"; do
    printf '| `%s` | %s | %s |\n' "$path" "$(alone "$path")" "$(loaded "$path")"
done

# One write at a time: resident create (POST /residents), one connection.
HH=$(sqlite3 "$DB" "SELECT group_concat(id) FROM (SELECT id FROM household WHERE status = 'active' ORDER BY id LIMIT 200)")
w=$(BENCH_HOUSEHOLD_IDS=$HH BENCH_BIRTH_YEAR=${BENCH_BIRTH_YEAR:-1940} wrk -t1 -c1 -d"${SECS}s" --latency -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/json' -s bench/create_resident.lua "$URL" |
    awk '/Requests\/sec/ {r = $2} / 50%/ {p50 = $2} / 99%/ {p99 = $2} /Non-2xx/ {bad = $NF}
         END {printf "%s req/s, p50 %s, p99 %s%s", r, p50, p99, bad ? ", non-2xx " bad : ""}')
echo "| POST /api/v1/residents, 1 connection | | $w |"
kill $SERVER; wait $SERVER 2>/dev/null || true

if [ -n "${IMPORT_CSV:-}" ]; then
    $BIN --db "$OUT/target.db" demo --households 0 --seed 1 >/dev/null
    rows=$(($(wc -l < "$IMPORT_CSV") - 1))
    t0=$(date +%s.%N)
    $BIN --db "$OUT/target.db" import residents "$IMPORT_CSV" >/dev/null
    t1=$(date +%s.%N)
    echo "import of $rows rows: $(awk "BEGIN{printf \"%.1f s = %.0f rows/s\", $t1 - $t0, $rows / ($t1 - $t0)}")"
fi
