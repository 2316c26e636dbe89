#!/bin/sh
# bench/encrypt.sh — the cost of encryption at rest (issue 6, 数据保密性):
# the same work on the release before it (plaintext columns) and on this
# tree (XChaCha20-Poly1305 per value, blind indexes), and their ratios.
# Not part of the test suite.
#
#   1. a demo street of BENCH_HOUSEHOLDS households (~2.5 residents
#      each, 20,000 → ~50,000 rows) exported to CSV with full ID numbers;
#   2. each binary imports that CSV into a database holding only the
#      org tree (rows/s);
#   3. each binary serves its database: 25 exact searches by ID number
#      (the limit is 30 a minute per user) timed one by one with curl,
#      then wrk (2 threads, 8 connections, BENCH_SECONDS) on the list of
#      a grid (page of 50, each row decrypted) and on resident detail.
#
# The old binary: OLD_BIN, else built from BENCH_BASE (default main)
# with git archive into $BENCH_DIR/old-src.
# Environment: BENCH_HOUSEHOLDS (20000), BENCH_SECONDS (5), BENCH_PORT
# (18090), BENCH_DIR (bench/out-encrypt).
set -eu
cd "$(dirname "$0")/.."
make -j2 build/minsheng >/dev/null
NEW=./build/minsheng
HH="${BENCH_HOUSEHOLDS:-20000}"
SECS="${BENCH_SECONDS:-5}"
PORT="${BENCH_PORT:-18090}"
OUT="${BENCH_DIR:-bench/out-encrypt}"
mkdir -p "$OUT"
if [ -z "${OLD_BIN:-}" ]; then
    rm -rf "$OUT/old-src"
    mkdir -p "$OUT/old-src"
    git archive "${BENCH_BASE:-main}" | tar -x -C "$OUT/old-src"
    make -C "$OUT/old-src" -j2 build/minsheng >/dev/null
    OLD_BIN="$OUT/old-src/build/minsheng"
fi
now() { date +%s.%N; }

rm -f "$OUT"/source.db* "$OUT"/residents.csv
$NEW --db "$OUT/source.db" demo --households "$HH" --seed 1 >/dev/null
$NEW --db "$OUT/source.db" export residents --full-id --purpose bench --out "$OUT/residents.csv"
ROWS=$(($(wc -l < "$OUT/residents.csv") - 1))
# 25 ID numbers from the file (the tab before each keeps Excel from rounding)
IDS=$(grep -o '	[0-9]\{17\}[0-9X]' "$OUT/residents.csv" | tr -d '\t' | awk 'NR % 997 == 1' | head -25)

token() {
    curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"Minsheng@2026\"}" \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/'
}

# run LABEL BIN: prints "LABEL import_s id_search_ms list_rps detail_rps"
run() {
    label=$1 bin=$2 db="$OUT/$1.db"
    rm -f "$db" "$db"-* "$db.key" "$db.key.lock"
    $bin --db "$db" demo --households 0 --seed 1 >/dev/null
    t0=$(now)
    $bin --db "$db" import residents "$OUT/residents.csv" >/dev/null
    t1=$(now)
    imp=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
    $bin --db "$db" serve --listen "127.0.0.1:$PORT" --threads 4 --two-factor off >"$OUT/$label.log" 2>&1 &
    server=$!
    for i in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
        sleep 0.1
    done
    tok=$(token jiedao)
    total=0
    for id in $IDS; do
        t=$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $tok" \
            "http://127.0.0.1:$PORT/api/v1/residents?id_number=$id")
        total=$(awk "BEGIN{print $total + $t}")
    done
    search=$(awk "BEGIN{printf \"%.2f\", $total * 1000 / 25}")
    grids=$(sqlite3 "$db" "SELECT group_concat(id) FROM org_unit WHERE kind='grid'")
    list=$(GRIDS="$grids" wrk -t2 -c8 -d"${SECS}s" -H "Authorization: Bearer $tok" -s bench/by_grid.lua \
        "http://127.0.0.1:$PORT" | awk '/Requests\/sec/ {print $2}')
    detail=$(MAXID="$ROWS" wrk -t2 -c8 -d"${SECS}s" -H "Authorization: Bearer $tok" -s bench/detail.lua \
        "http://127.0.0.1:$PORT" | awk '/Requests\/sec/ {print $2}')
    kill $server
    wait $server 2>/dev/null || true
    size=$(ls -l "$db" | awk '{printf "%.1f", $5 / 1048576}')
    echo "$label $imp $search $list $detail $size"
}

echo "$ROWS residents; wrk ${SECS}s per figure"
P=$(run plain "$OLD_BIN")
E=$(run encrypted "$NEW")
echo "$P
$E" | awk -v rows="$ROWS" '
    { imp[NR] = $2; s[NR] = $3; l[NR] = $4; d[NR] = $5; sz[NR] = $6; name[NR] = $1 }
    END {
        printf "%-10s %14s %16s %14s %14s %10s\n", "", "import rows/s", "ID search ms", "list req/s", "detail req/s", "size MiB"
        for (i = 1; i <= 2; i++)
            printf "%-10s %14.0f %16.2f %14.0f %14.0f %10.1f\n", name[i], rows / imp[i], s[i], l[i], d[i], sz[i]
        printf "%-10s %14.2f %16.2f %14.2f %14.2f %10.2f\n", "ratio e/p", imp[1] / imp[2], s[2] / s[1], l[2] / l[1], d[2] / d[1], sz[2] / sz[1]
    }'
