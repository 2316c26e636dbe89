#!/bin/sh
# bench/district.sh — a district of BENCH_STREETS streets (10 × 50,000
# households ≈ 1.2 million residents) on PostgreSQL (issue 8). Prints
# figures; nothing here passes or fails.
#
#   1. The district built once on SQLite (`demo --streets N`, fast there)
#      and each street exported to its own CSV with full ID numbers
#      (both reused by later runs).
#   2. A throwaway PostgreSQL cluster on loopback (scripts/pg-temp.sh,
#      fsync on, pg_bench_settings in bench/lib.sh): the org tree and
#      accounts (`demo --streets N --households 0`, the same tree), then
#      each street's CSV imported with `minsheng import residents`, one
#      after the other, timed; then VACUUM ANALYZE (timed apart).
#   3. One `minsheng serve` (4 threads): wrk against the search endpoints
#      at each connection count, signed in as a street's account
#      (jiedao01: its street's grids and residents) and as the district's
#      (qu: the whole district).
#   4. A second `minsheng serve` on the same database and haproxy on
#      loopback in front (round robin, keep-alive): the same runs through
#      haproxy to one process and to both. Each account signs in once
#      through haproxy and its token is used on both processes (sessions
#      live in the database). The CPU seconds each process spent in the
#      two-process runs show that both served.
#
# Needs haproxy (`scripts/install-deps.sh bench`).
#
# Environment:
#   BENCH_STREETS    10
#   BENCH_HOUSEHOLDS 50000 per street (≈122,000 residents)
#   BENCH_SECONDS    10    per wrk run
#   BENCH_CONNS      "16 64"
#   BENCH_THREADS    4     threads of each server (and its PostgreSQL pool)
#   BENCH_ENDPOINTS  "grid name households detail stats_tags stats_org"
#   BENCH_USERS      "jiedao01 qu"  accounts of the direct runs
#   BENCH_LB_USERS   "jiedao01 qu"  accounts of the haproxy runs ("" skips them)
#   BENCH_PORT       18380 (the first server; the second and haproxy on the next free ports)
#   BENCH_DIR        bench/out-district
#   BENCH_KEEP_PG    1 keeps the database after the run and reuses it (no import)
#   PG_TEMP_PORTS    the cluster's port range (scripts/pg-temp.sh)
#   MINSHENG_BIN     another build (default build/minsheng, made here)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v haproxy >/dev/null || [ -z "${BENCH_LB_USERS-x}" ] ||
    { echo "haproxy is missing: sh scripts/install-deps.sh bench" >&2; exit 1; }
bench_setup bench/out-district
STREETS="${BENCH_STREETS:-10}"
HH="${BENCH_HOUSEHOLDS:-50000}"
USERS="${BENCH_USERS-jiedao01 qu}"
LB_USERS="${BENCH_LB_USERS-jiedao01 qu}"
PORT="${BENCH_PORT:-18380}"
rm -f "$OUT"/scope-*

# ---- the district on SQLite, one CSV per street ------------------------------------
NAME="district-${STREETS}x$HH"
SRC="$OUT/$NAME.db"
if [ ! -f "$SRC" ]; then
    echo "== building $SRC: $STREETS streets of $HH households (once; reused by later runs)"
    t0=$(now)
    "$BIN" --db "$SRC" demo --streets "$STREETS" --households "$HH" >/dev/null
    echo "   built on SQLite in $(secs_since "$t0") s"
fi
for n in $(seq 1 "$STREETS"); do
    csv="$OUT/$NAME-$(printf %02d "$n").csv"
    [ -s "$csv" ] && continue
    "$BIN" --db "$SRC" export residents --org "371702$(printf %03d "$n")" --full-id --purpose 性能测试 \
        --out "$csv.part" >/dev/null 2>&1
    mv "$csv.part" "$csv"
done

SERVERS= LB=
stop_servers() {
    for p in $SERVERS $LB; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    SERVERS= LB=
}
cleanup() {
    stop_servers
    [ "${BENCH_KEEP_PG:-0}" = 1 ] || sh scripts/pg-temp.sh stop "$OUT/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine_line "$(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3)"
say "== load average at start: $(loadavg)"
say "PostgreSQL settings: $(pg_bench_settings | tr '\n' ';' | sed 's/;$//; s/;/; /g')"

# ---- the district on PostgreSQL -------------------------------------------------------
KEY="$OUT/pg.key"
if [ "${BENCH_KEEP_PG:-0}" = 1 ] && [ -f "$OUT/pg/port" ] && [ -f "$OUT/pg.done" ]; then
    URI=$(sh scripts/pg-temp.sh start "$OUT/pg")
    say "== reusing the imported district in $OUT/pg"
else
    sh scripts/pg-temp.sh stop "$OUT/pg" >/dev/null 2>&1 || true
    rm -f "$KEY" "$OUT/pg.done"
    URI=$(pg_bench_cluster "$OUT/pg")
    t0=$(now)
    "$BIN" --db "$URI" --key-file "$KEY" demo --streets "$STREETS" --households 0 >/dev/null 2>&1
    say "== org tree and accounts (demo --streets $STREETS --households 0): $(secs_since "$t0") s"
    say "| street | residents | import s | rows/s | load average after |"
    say "|---|---|---|---|---|"
    total_rows=0
    T0=$(now)
    for n in $(seq 1 "$STREETS"); do
        csv="$OUT/$NAME-$(printf %02d "$n").csv"
        rows=$(($(wc -l <"$csv") - 1))
        t0=$(now)
        "$BIN" --db "$URI" --key-file "$KEY" import residents "$csv" >"$OUT/import-$n.log" 2>&1 ||
            { echo "the import of street $n failed (see $OUT/import-$n.log)" >&2; exit 1; }
        s=$(secs_since "$t0")
        total_rows=$((total_rows + rows))
        say "| 371702$(printf %03d "$n") | $rows | $s | $(awk "BEGIN { printf \"%.0f\", $rows / $s }") | $(loadavg) |"
    done
    total=$(secs_since "$T0")
    say "import of the district: $total_rows residents in $total s ($(awk "BEGIN { printf \"%.0f\", $total_rows / $total }") rows/s)"
    t0=$(now)
    pg_sql "$URI" "VACUUM ANALYZE" >/dev/null
    say "VACUUM ANALYZE: $(secs_since "$t0") s; database $(pg_sql "$URI" "SELECT pg_database_size(current_database()) / 1048576") MiB"
    : >"$OUT/pg.done"
fi

# ---- one server --------------------------------------------------------------------------
FLAGS="--threads $THREADS --two-factor off --max-conn-per-ip 0 --login-failures-per-address 0 --trusted-proxy 127.0.0.1"
serve() {   # FROM → SERVER_PID, SERVER_PORT
    start_server "$1" "$OUT/server.log" "$BIN" --db "$URI" --key-file "$KEY" serve $FLAGS ||
        { echo "a server did not start (see $OUT/server.log)" >&2; exit 1; }
    SERVERS="$SERVERS $SERVER_PID"
}
serve "$PORT"
S1=$SERVER_PID PORT=$SERVER_PORT

# What an account's runs ask for: its grids (by_grid.lua) and its residents' ids (detail.lua).
scope_of() {   # user → "GRIDS MINID MAXID" (asked once per run)
    [ -s "$OUT/scope-$1" ] || pg_sql "$URI" "WITH s AS (SELECT o.path FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.username = '$1'),
        g AS (SELECT id FROM org_unit, s WHERE kind = 'grid' AND org_unit.path LIKE s.path || '%')
        SELECT (SELECT string_agg(id::text, ',') FROM g) || ' ' || MIN(r.id) || ' ' || MAX(r.id)
          FROM resident r WHERE r.grid_id IN (SELECT id FROM g)" | tr -d '\n' >"$OUT/scope-$1"
    cat "$OUT/scope-$1"
}
# one LABEL USER PORT TOKEN EP CONNS: a wrk run, appended to $RAW.
one() {
    set -- "$@" $(scope_of "$2")
    GRIDS=$7 MINID=$8 MAXID=$9
    export GRIDS MINID MAXID
    echo "$1 $2 $5 $6 $(run_wrk "$3" "$5" "$6" "$SECS" "Authorization: Bearer $4")" >>"$RAW"
    drain "$3"
    tail -1 "$RAW" | sed 's/^/   /'
}
cpu_s() { awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$1/stat"; }   # utime + stime (100 Hz)

say ""
say "== one server, direct; wrk -t2, ${SECS}s per run; load average $(loadavg)"
for u in $USERS; do
    tok=$(sign_in "$PORT" "$u")
    [ -n "$tok" ] || { echo "could not sign in as $u" >&2; exit 1; }
    for c in $CONNS; do
        for ep in $ENDPOINTS; do one direct "$u" "$PORT" "$tok" "$ep" "$c"; done
    done
done
say "load average after: $(loadavg)"

# ---- two servers behind haproxy ------------------------------------------------------
if [ -n "$LB_USERS" ]; then
    serve $((PORT + 1))
    S2=$SERVER_PID PORT2=$SERVER_PORT
    LB2=$(pick_port $((PORT2 + 1)))
    LB1=$(pick_port $((LB2 + 1)))
    cat >"$OUT/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend both
    bind 127.0.0.1:$LB2
    default_backend both
frontend one
    bind 127.0.0.1:$LB1
    default_backend one
backend both
    balance roundrobin
    server a 127.0.0.1:$PORT
    server b 127.0.0.1:$PORT2
backend one
    server a 127.0.0.1:$PORT
EOF
    haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 &
    LB=$!
    wait_http "$LB2" "$LB" && wait_http "$LB1" "$LB" || { echo "haproxy did not start (see $OUT/haproxy.log)" >&2; exit 1; }
    say ""
    say "== haproxy to one server, then to two; load average $(loadavg)"
    for u in $LB_USERS; do
        tok=$(sign_in "$LB2" "$u")   # once, through haproxy: the token works on both servers
        [ -n "$tok" ] || { echo "could not sign in as $u through haproxy" >&2; exit 1; }
        for c in $CONNS; do
            for ep in $ENDPOINTS; do
                one lb1 "$u" "$LB1" "$tok" "$ep" "$c"
                a0=$(cpu_s "$S1") b0=$(cpu_s "$S2")
                one lb2 "$u" "$LB2" "$tok" "$ep" "$c"
                echo "cpu $u $ep $c $(awk "BEGIN { print $(cpu_s "$S1") - $a0, $(cpu_s "$S2") - $b0 }")" >>"$RAW"
            done
        done
    done
    say "load average after: $(loadavg)"
fi
stop_servers

# ---- tables ------------------------------------------------------------------------------
say ""
say "One server, direct:"
say ""
say "| account | endpoint | conns | req/s | p50 ms | p99 ms | errors |"
say "|---|---|---|---|---|---|---|"
awk '$1 == "direct" { printf "| %s | %s | %s | %.1f | %.2f | %.2f | %d |\n", $2, $3, $4, $5, $6, $7, $8 }' "$RAW" |
    tee -a "$RESULTS"
if [ -n "$LB_USERS" ]; then
    say ""
    say "Through haproxy: one server, then two (CPU s: what each server spent in the two-server run):"
    say ""
    say "| account | endpoint | conns | 1 server req/s | p50 ms | p99 ms | 2 servers req/s | p50 ms | p99 ms | 2/1 | CPU s A / B | errors |"
    say "|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk '$1 == "lb1" { k = $2 " " $3 " " $4; order[++n] = k; one[k] = sprintf("%.1f | %.2f | %.2f", $5, $6, $7); r1[k] = $5; e[k] += $8 }
         $1 == "lb2" { k = $2 " " $3 " " $4; two[k] = sprintf("%.1f | %.2f | %.2f", $5, $6, $7); r2[k] = $5; e[k] += $8 }
         $1 == "cpu" { k = $2 " " $3 " " $4; cpu[k] = $5 " / " $6 }
         END { for (i = 1; i <= n; i++) { k = order[i]; split(k, f, " ")
                 printf "| %s | %s | %s | %s | %s | %.2f | %s | %d |\n", f[1], f[2], f[3], one[k], two[k],
                        (r1[k] > 0 ? r2[k] / r1[k] : 0), cpu[k], e[k] } }' "$RAW" | tee -a "$RESULTS"
fi
echo "results in $RESULTS, every run in $RAW"
