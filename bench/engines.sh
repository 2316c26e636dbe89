#!/bin/sh
# bench/engines.sh — the same street on SQLite and on PostgreSQL, side by
# side in one run (issue 8). Prints figures; nothing here passes or fails.
#
#   1. A demo street of BENCH_HOUSEHOLDS households (SQLite, built once and
#      reused) exported to CSV with full ID numbers.
#   2. The CSV imported (`minsheng import residents`, all-or-nothing) into
#      a fresh SQLite file and into a fresh PostgreSQL database, each
#      holding only the org tree (`demo --households 0`: the same tree);
#      wall time of each. PostgreSQL: a throwaway cluster on loopback
#      (scripts/pg-temp.sh) with fsync on and the settings of
#      pg_bench_settings in bench/lib.sh; after the import the script
#      runs VACUUM ANALYZE (timed apart: autovacuum would do it later).
#   3. Both databases served at once (4 threads each, --two-factor off),
#      signed in as the street account jiedao; for each endpoint and each
#      connection count, wrk (2 threads, BENCH_SECONDS) against SQLite then
#      PostgreSQL, waiting between runs until the server has closed every
#      connection. The table: req/s, p50, p99 of each and PG/SQLite.
#
# Endpoints (those of compare.sh): grid (residents of one grid, 131 in
# turn, page of 50 with total), name (prefix, street-wide, page of 20),
# households (street-wide page of 50), detail (one resident), stats_tags,
# stats_org.
#
# Environment:
#   BENCH_HOUSEHOLDS 50000 (≈120,000 residents; 400000 ≈ 1M)
#   BENCH_SECONDS    10    per wrk run
#   BENCH_CONNS      "16 64"
#   BENCH_THREADS    4     server threads (and PostgreSQL pool)
#   BENCH_ENDPOINTS  "grid name households detail stats_tags stats_org"
#   BENCH_PORT       18280 (SQLite; PostgreSQL on the next free port)
#   BENCH_DIR        bench/out-engines (source street, CSV, databases, logs)
#   PG_TEMP_PORTS    the cluster's port range (scripts/pg-temp.sh)
#   MINSHENG_BIN     another build (default build/minsheng, made here)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup bench/out-engines
HH="${BENCH_HOUSEHOLDS:-50000}"
PORT="${BENCH_PORT:-18280}"

SRC="$OUT/street-$HH.db"
CSV="$OUT/street-$HH.csv"
if [ ! -f "$SRC" ]; then
    echo "== building $SRC with $HH households (once; reused by later runs)"
    "$BIN" --db "$SRC" demo --households "$HH" >/dev/null
fi
if [ ! -s "$CSV" ]; then
    "$BIN" --db "$SRC" export residents --full-id --purpose 性能测试 --out "$CSV.part" >/dev/null 2>&1
    mv "$CSV.part" "$CSV"
fi
rows=$(($(wc -l <"$CSV") - 1))

SQ= PG= SERVERS=
cleanup() {
    for p in $SERVERS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    sh scripts/pg-temp.sh stop "$OUT/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine_line "SQLite $(sqlite3 --version | cut -d' ' -f1)"
say "== street: $HH households, $rows residents (CSV $(du -m "$CSV" | cut -f1) MiB); load average $(loadavg)"

# ---- the import into each engine ---------------------------------------------------
rm -f "$OUT"/sqlite.db*
"$BIN" --db "$OUT/sqlite.db" demo --households 0 >/dev/null 2>&1
t0=$(now)
"$BIN" --db "$OUT/sqlite.db" import residents "$CSV" >"$OUT/import-sqlite.log" 2>&1 ||
    { echo "the SQLite import failed (see $OUT/import-sqlite.log)" >&2; exit 1; }
imp_sq=$(secs_since "$t0")

sh scripts/pg-temp.sh stop "$OUT/pg" >/dev/null 2>&1 || true
URI=$(pg_bench_cluster "$OUT/pg")
KEY="$OUT/pg.key"
rm -f "$KEY"
PGCMD="$BIN --db $URI --key-file $KEY"
$PGCMD demo --households 0 >/dev/null 2>&1
t0=$(now)
$PGCMD import residents "$CSV" >"$OUT/import-pg.log" 2>&1 ||
    { echo "the PostgreSQL import failed (see $OUT/import-pg.log)" >&2; exit 1; }
imp_pg=$(secs_since "$t0")
t0=$(now)
pg_sql "$URI" "VACUUM ANALYZE" >/dev/null
vac_pg=$(secs_since "$t0")
say ""
say "PostgreSQL settings: $(pg_bench_settings | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
say "CSV import of $rows rows into the org tree alone:"
say "  SQLite      $imp_sq s ($(awk "BEGIN { printf \"%.0f\", $rows / $imp_sq }") rows/s), $(du -m "$OUT/sqlite.db" | cut -f1) MiB"
say "  PostgreSQL  $imp_pg s ($(awk "BEGIN { printf \"%.0f\", $rows / $imp_pg }") rows/s), then VACUUM ANALYZE $vac_pg s," \
    "$(pg_sql "$URI" "SELECT pg_database_size(current_database()) / 1048576") MiB"
say "  PG/SQLite   $(awk "BEGIN { printf \"%.2f\", $imp_pg / $imp_sq }") (time)"
say "load average after the imports: $(loadavg)"

# ---- both served ------------------------------------------------------------------
FLAGS="--threads $THREADS --two-factor off --max-conn-per-ip 0 --login-failures-per-address 0"
start_server "$PORT" "$OUT/server-sqlite.log" "$BIN" --db "$OUT/sqlite.db" serve $FLAGS ||
    { echo "the SQLite server did not start (see $OUT/server-sqlite.log)" >&2; exit 1; }
SQ=$SERVER_PID PORT=$SERVER_PORT
SERVERS=$SQ
start_server $((PORT + 1)) "$OUT/server-pg.log" $PGCMD serve $FLAGS ||
    { echo "the PostgreSQL server did not start (see $OUT/server-pg.log)" >&2; exit 1; }
PG=$SERVER_PID PGPORT_HTTP=$SERVER_PORT
SERVERS="$SQ $PG"
TOK_SQ=$(sign_in "$PORT" jiedao)
TOK_PG=$(sign_in "$PGPORT_HTTP" jiedao)
[ -n "$TOK_SQ" ] && [ -n "$TOK_PG" ] || { echo "could not sign in as jiedao" >&2; exit 1; }
# The same CSV in the same order gives both the same ids; asked of each all the same.
GRIDS_SQ=$(sqlite3 "$OUT/sqlite.db" "SELECT group_concat(id) FROM org_unit WHERE kind = 'grid'")
GRIDS_PG=$(pg_sql "$URI" "SELECT string_agg(id::text, ',') FROM org_unit WHERE kind = 'grid'")
MAX_SQ=$(sqlite3 "$OUT/sqlite.db" "SELECT MIN(id) || ' ' || MAX(id) FROM resident")
MAX_PG=$(pg_sql "$URI" "SELECT MIN(id) || ' ' || MAX(id) FROM resident")

# one ENGINE EP CONNS: a wrk run against one engine's server, appended to $RAW.
one() {
    if [ "$1" = sqlite ]; then
        port=$PORT tok=$TOK_SQ; GRIDS=$GRIDS_SQ; set -- "$@" $MAX_SQ
    else
        port=$PGPORT_HTTP tok=$TOK_PG; GRIDS=$GRIDS_PG; set -- "$@" $MAX_PG
    fi
    MINID=$4 MAXID=$5
    export GRIDS MINID MAXID
    echo "$1 $2 $3 $(run_wrk "$port" "$2" "$3" "$SECS" "Authorization: Bearer $tok")" >>"$RAW"
    drain "$port"
    tail -1 "$RAW" | sed 's/^/   /'
}
say ""
say "== wrk -t2, ${SECS}s per run, SQLite then PostgreSQL for each endpoint; load average $(loadavg)"
for c in $CONNS; do
    for ep in $ENDPOINTS; do
        one sqlite "$ep" "$c"
        one pg "$ep" "$c"
    done
done
PGHWM=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$PG/status")
SQHWM=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SQ/status")
say "load average after the runs: $(loadavg)"
say ""
say "| endpoint | conns | SQLite req/s | p50 ms | p99 ms | PostgreSQL req/s | p50 ms | p99 ms | PG/SQLite req/s | errors |"
say "|---|---|---|---|---|---|---|---|---|---|"
for c in $CONNS; do
    for ep in $ENDPOINTS; do
        awk -v ep="$ep" -v c="$c" '$2 == ep && $3 == c { r[$1] = $4; p50[$1] = $5; p99[$1] = $6; e += $7 }
            END { printf "| %s | %s | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %d |\n", ep, c,
                  r["sqlite"], p50["sqlite"], p99["sqlite"], r["pg"], p50["pg"], p99["pg"],
                  (r["sqlite"] > 0 ? r["pg"] / r["sqlite"] : 0), e }' "$RAW" | tee -a "$RESULTS"
    done
done
say ""
say "server memory after the runs (VmHWM): SQLite $SQHWM MiB, PostgreSQL (minsheng alone) $PGHWM MiB"
echo "results in $RESULTS, every run in $RAW"
