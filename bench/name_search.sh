#!/bin/sh
# bench/name_search.sh — name search on 1,000,000 residents (issue 9):
# by pinyin initials (zs finds 张三) and by infix (the Chinese part of a
# name that is not its start), as the street account, on SQLite. Prints
# figures; nothing here passes or fails. Not part of the test suite.
#
#   1. A demo street of BENCH_HOUSEHOLDS households (410,000 ≈ 1M
#      residents), built once with `minsheng demo` and reused; the time
#      it took and the search terms' rows (resident_search_key) are shown.
#   2. The server (BENCH_THREADS threads, --two-factor off), signed in as
#      jiedao (the whole street); for each kind, wrk (2 threads,
#      BENCH_CONNS connections, BENCH_SECONDS) over bench/name_initials.lua
#      and bench/name_infix.lua: pages of 20 in pinyin order with the
#      total (counted up to the cap): req/s and p50.
#   3. The floor: the same statements the server runs for one such page —
#      the capped count and the pick of the page's 21 ids from the search
#      terms of the street's grids alone (migration 0020; the pick a
#      bounded sort of their first rows in name order), then its 20 rows — run directly in
#      sqlite3 (one connection, no HTTP, no JSON, no decryption), over the
#      same terms, as queries per second; the server's req/s over it is
#      the ratio printed (the server has the machine's cores, sqlite3 one:
#      a ratio above 1 is the server using more than one core).
#
# Environment:
#   BENCH_HOUSEHOLDS 410000
#   BENCH_SECONDS    10
#   BENCH_CONNS      16
#   BENCH_THREADS    4
#   BENCH_PORT       18380
#   BENCH_DIR        bench/out-name-search
#   MINSHENG_BIN     another build (default build/minsheng, made here)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup bench/out-name-search
HH="${BENCH_HOUSEHOLDS:-410000}"
PORT="${BENCH_PORT:-18380}"
CONNS="${BENCH_CONNS:-16}"
DB="$OUT/street-$HH.db"

SERVERS=
cleanup() { for p in $SERVERS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f "$DB" ]; then
    echo "== building $DB with $HH households (once; reused by later runs)"
    t0=$(now)
    "$BIN" --db "$DB" demo --households "$HH" >/dev/null
    say "== demo --households $HH: $(secs_since "$t0") s"
fi
say "== machine: $(nproc) cores; SQLite $(sqlite3 --version | cut -d' ' -f1); $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "== database: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM resident') residents," \
    "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM resident_search_key') search terms, $(du -m "$DB" | cut -f1) MiB"

FLAGS="--threads $THREADS --two-factor off --max-conn-per-ip 0 --login-failures-per-address 0"
start_server "$PORT" "$OUT/server.log" "$BIN" --db "$DB" serve $FLAGS ||
    { echo "the server did not start (see $OUT/server.log)" >&2; exit 1; }
SERVERS=$SERVER_PID PORT=$SERVER_PORT
TOKEN=$(sign_in "$PORT" jiedao)
[ -n "$TOKEN" ] || { echo "could not sign in as jiedao" >&2; exit 1; }

# The terms of a Lua script, decoded (the infix ones are URL-encoded).
terms_of() {
    sed -n 's/^local terms = {//; /^ *"/p; /^local terms/p' "$1" | tr -d '\n' |
        grep -o '"[^"]*"' | tr -d '"' | python3 -c 'import sys, urllib.parse; [print(urllib.parse.unquote(l.strip())) for l in sys.stdin]'
}

# floor KIND: queries/s of the server's statements for the terms of
# bench/name_KIND.lua, in sqlite3 (each term 5 times).
floor() {
    path=$(sqlite3 "$DB" "SELECT path FROM org_unit WHERE kind = 'street' LIMIT 1")
    end=$(printf '%s' "$path" | sed 's|/$|0|')
    sql="$OUT/floor-$1.sql"
    : >"$sql"
    n=0
    for rep in $(seq 1 5); do
        terms_of "bench/name_$1.lua" | while read -r t; do
            from="FROM (SELECT DISTINCT k.resident_id AS id, k.name_py, k.status, k.grid_id, k.import_batch_id FROM resident_search_key k WHERE k.grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path >= '$path' AND path < '$end') AND k.term >= '$t' AND k.term < '$t'||char(1114111)) AS r WHERE r.status || '' = 'active'"
            count="SELECT COUNT(*) FROM (SELECT 1 $from LIMIT 10001)"
            # the first 21 x 52 terms in name order, then their distinct residents
            pick="SELECT DISTINCT r.id FROM (SELECT r.resident_id AS id, r.name_py FROM resident_search_key r WHERE r.status || '' = 'active' AND grid_id IN (SELECT id FROM org_unit WHERE kind = 'grid' AND path >= '$path' AND path < '$end') AND r.term >= '$t' AND r.term < '$t'||char(1114111) ORDER BY r.name_py, r.resident_id LIMIT 1092) AS r ORDER BY r.name_py, r.id LIMIT 21"
            echo "$count;"
            echo "SELECT r.id, r.name, h.code, g.name FROM resident r JOIN household h ON h.id = r.household_id JOIN org_unit g ON g.id = r.grid_id WHERE r.id IN ($pick) ORDER BY r.name_py, r.id LIMIT 20;"
        done >>"$sql"
    done
    n=$(grep -c '^SELECT COUNT' "$sql")
    t0=$(now)
    sqlite3 "$DB" <"$sql" >/dev/null
    awk -v n="$n" -v t="$(secs_since "$t0")" 'BEGIN { printf "%.1f", n / t }'
}

say ""
say "name search as jiedao (street, $(sqlite3 "$DB" "SELECT COUNT(*) FROM org_unit WHERE kind = 'grid'") grids), page of 20 with total, wrk -c$CONNS ${SECS}s:"
say "  kind       req/s     p50 ms   p99 ms  errors   sqlite3 q/s   ratio"
for kind in initials infix; do
    drain "$PORT"
    set -- $(wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 60s --latency -s "bench/name_$kind.lua" \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT" 2>&1 | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /^Requests\/sec/ { rps = $2 }
        /Non-2xx/ { err += $NF } /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        END { printf "%.1f %.3f %.3f %d\n", rps, p50, p99, err }')
    echo "$kind $*" >>"$RAW"
    fq=$(floor "$kind")
    say "$(printf '  %-9s %8s %9s %8s %7s %13s %7s' "$kind" "$1" "$2" "$3" "$4" "$fq" \
        "$(awk -v a="$1" -v b="$fq" 'BEGIN { printf "%.2f", a / b }')")"
done
say "load average: $(loadavg)"
