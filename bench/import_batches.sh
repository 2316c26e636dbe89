#!/bin/sh
# bench/import_batches.sh — a large CSV import in batches (issue 6,
# finding 11): how long it takes, and what other writers see meanwhile.
# Not part of the test suite (nothing here passes or fails on a number).
#
#   1. builds a street with BENCH_HOUSEHOLDS households (~2.4 residents
#      each; default 20,000 → ~49,000 rows) and exports it to CSV;
#   2. imports the CSV into a database holding only the org tree
#      (`minsheng import residents`): seconds and rows/s;
#   3. the same import while a server on that database takes writes
#      (new households through the API, one after another, with curl):
#      the slowest write and the number of 503 answers;
#   4. the CSV with a bad last row (all-or-nothing): the time until
#      nothing is left (everything written, then undone).
#
# OLD_BIN=path/to/an/older/minsheng runs 2 and 3 with it too (e.g. a
# build of the commit before batched imports: one transaction).
# Environment: BENCH_HOUSEHOLDS (20000), BENCH_PORT (18090), BENCH_DIR (bench/out).
set -eu
cd "$(dirname "$0")/.."
make -j"$(nproc)" build/minsheng >/dev/null
BIN=./build/minsheng
OLD_BIN="${OLD_BIN:-}"
HH="${BENCH_HOUSEHOLDS:-20000}"
PORT="${BENCH_PORT:-18090}"
OUT="${BENCH_DIR:-bench/out}/import"
mkdir -p "$OUT"
rm -f "$OUT"/*.db* "$OUT"/*.csv "$OUT"/*.log

now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }

echo "== 1. demo street with $HH households, exported"
$BIN --db "$OUT/source.db" demo --households "$HH" --seed 1 >/dev/null
$BIN --db "$OUT/source.db" export residents --full-id --purpose 基准测试 --out "$OUT/residents.csv"
rows=$(($(wc -l < "$OUT/residents.csv") - 1))
echo "$rows rows, $(du -h "$OUT/residents.csv" | cut -f1)"

# A database with the org tree only, made by binary $1 at $2.
fresh() { rm -f "$2" "$2"-* "$2".key; $1 --db "$2" demo --households 0 --seed 1 >/dev/null; }

echo "== 2. import alone"
for b in $BIN $OLD_BIN; do
    fresh "$b" "$OUT/t.db"
    t0=$(now)
    "$b" --db "$OUT/t.db" import residents "$OUT/residents.csv" >/dev/null
    t1=$(now)
    echo "$b: $rows rows in $(secs "$t0" "$t1") s = $(awk "BEGIN{printf \"%.0f\", $rows / ($t1 - $t0)}") rows/s"
done

echo "== 3. import while a server takes writes"
for b in $BIN $OLD_BIN; do
    fresh "$b" "$OUT/w.db"
    "$b" --db "$OUT/w.db" serve --listen "127.0.0.1:$PORT" --two-factor off >"$OUT/server.log" 2>&1 &
    server=$!
    for i in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
        sleep 0.1
    done
    tok=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"jiedao","password":"Minsheng@2026"}' \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/')
    grid=$(sqlite3 "$OUT/w.db" "SELECT id FROM org_unit WHERE kind = 'grid' ORDER BY code LIMIT 1")
    "$b" --db "$OUT/w.db" import residents "$OUT/residents.csv" >"$OUT/import.log" 2>&1 &
    importer=$!
    t0=$(now)
    n=0
    : >"$OUT/writes.log"
    while kill -0 $importer 2>/dev/null; do
        n=$((n + 1))
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $tok" \
            -H 'Content-Type: application/json' \
            -d "{\"code\":\"BENCH-W-$n\",\"grid_id\":$grid,\"address\":\"基准测试路$n号\"}" \
            "http://127.0.0.1:$PORT/api/v1/households" >>"$OUT/writes.log"
        sleep 0.05
    done
    wait $importer || true
    t1=$(now)
    kill $server
    wait $server 2>/dev/null || true
    awk -v b="$b" -v s="$(secs "$t0" "$t1")" '
        { n++; if ($1 == 503) busy++; else if ($1 != 201) other++; if ($2 > max) max = $2; sum += $2 }
        END { printf "%s: import %s s; %d writes meanwhile, slowest %.0f ms, mean %.0f ms, %d answered 503, %d other errors\n",
                     b, s, n, max * 1000, n ? sum / n * 1000 : 0, busy, other }' "$OUT/writes.log"
done

echo "== 4. all-or-nothing import whose last row is bad"
{ cat "$OUT/residents.csv"; tail -n 1 "$OUT/residents.csv" | sed -e 's/\t\([0-9]\{17\}\)[0-9X]/\t\1Y/'; } >"$OUT/bad.csv"
fresh $BIN "$OUT/t.db"
t0=$(now)
$BIN --db "$OUT/t.db" import residents "$OUT/bad.csv" >/dev/null 2>&1 || true
t1=$(now)
left=$(sqlite3 "$OUT/t.db" "SELECT COUNT(*) FROM resident")
echo "$((rows + 1)) rows, the last bad: $(secs "$t0" "$t1") s in all (written, then undone); residents left: $left"
