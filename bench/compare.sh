#!/bin/sh
# bench/compare.sh — minsheng side by side with its two floors, in one
# run, on one database. Prints figures; nothing here passes or fails.
#
# For each endpoint, in every round (interleaved, so that a change in the
# machine's load hits all three alike):
#   http  wrk against build/bench/http_floor: bare libmicrohttpd with
#         minsheng's threading flags, a fixed 1 KB JSON (what HTTP costs);
#   sql   build/bench/sql_floor: the endpoint's SQL run directly on the
#         same database in BENCH_THREADS threads, decrypting what the
#         endpoint decrypts (what the query costs);
#   ms    wrk against minsheng, signed in as the street account jiedao
#         (bearer token; the server runs with --two-factor off).
# wrk: BENCH_CONN connections (16), 2 threads, BENCH_SECONDS each. The
# table gives the median over the rounds of req/s, p50 and p99, and
# minsheng's req/s as a ratio to each floor. Then: the server's memory
# high-water mark (VmHWM) after the run, and the CSV import of the whole
# street (`minsheng import residents`, into a database holding only the
# org tree) against build/bench/bulk_insert, the same rows in one
# transaction with prepared inserts and no validation: stored as the
# import stores them (encrypted, blind-indexed, tags, history, counts;
# into a copy of the same org-tree database), and --plain (plaintext,
# its own minimal schema).
#
# Between runs the script waits until the server has closed every
# connection (a slow endpoint keeps working on requests whose client has
# gone). Exact search by ID number or phone is left out: it is limited to 30
# requests a minute per user (429 beyond), so wrk would measure the limit.
#
# Environment:
#   BENCH_DB         the database (default: built once with the demo
#                    generator as $BENCH_DIR/big.db, BENCH_HOUSEHOLDS
#                    households, ~2.4 residents each); reused when present
#   BENCH_HOUSEHOLDS 400000 (≈1M residents)
#   BENCH_SECONDS    10     per wrk / sql_floor run
#   BENCH_ROUNDS     3
#   BENCH_CONN       16     wrk connections
#   BENCH_THREADS    4      server threads = http_floor threads = sql_floor threads
#   BENCH_ENDPOINTS  "grid households name detail stats_tags stats_org org_tree"
#   BENCH_IMPORT     1      0 skips the import comparison
#   BENCH_PORT       18180  (the HTTP floor on BENCH_PORT + 1)
#   BENCH_DIR        bench/out-compare (CSV, import databases, logs, results)
#   BENCH_TABLE_ONLY 1 prints the table again from $BENCH_DIR/rounds.txt
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh   # wrk_args, run_wrk, drain, now, loadavg, say
make -j2 build/minsheng bench-tools >/dev/null
BIN=$PWD/build/minsheng
TOOLS=$PWD/build/bench
OUT="${BENCH_DIR:-bench/out-compare}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
HH="${BENCH_HOUSEHOLDS:-400000}"
DB="${BENCH_DB:-$OUT/big.db}"
SECS="${BENCH_SECONDS:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
CONN="${BENCH_CONN:-16}"
THREADS="${BENCH_THREADS:-4}"
ENDPOINTS="${BENCH_ENDPOINTS:-grid households name detail stats_tags stats_org org_tree}"
PORT="${BENCH_PORT:-18180}"
FLOOR_PORT=$((PORT + 1))
RESULTS="$OUT/results.txt"

RAW="$OUT/rounds.txt"

# ---- the table: medians over the rounds ------------------------------------------
print_table() {
    say ""
    say "| endpoint | minsheng req/s | p50 ms | p99 ms | HTTP floor req/s | SQL floor ops/s | SQL p50 ms | SQL p99 ms | ms/HTTP | ms/SQL | errors |"
    say "|---|---|---|---|---|---|---|---|---|---|---|"
    for ep in $ENDPOINTS; do
        med() {   # kind column → median over the rounds
            awk -v ep="$ep" -v kind="$1" -v col="$2" '$2 == ep && $3 == kind { print $col }' "$RAW" | sort -g |
                awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
        }
        errs=$(awk -v ep="$ep" '$2 == ep && $3 != "http" { s += $7 } END { print s + 0 }' "$RAW")
        awk -v ep="$ep" -v ms="$(med ms 4)" -v p50="$(med ms 5)" -v p99="$(med ms 6)" -v http="$(med http 4)" \
            -v sql="$(med sql 4)" -v s50="$(med sql 5)" -v s99="$(med sql 6)" -v errs="$errs" 'BEGIN {
            printf "| %s | %.1f | %.2f | %.2f | %.0f | %.1f | %.2f | %.2f | %.2g | %.2f | %d |\n",
                ep, ms, p50, p99, http, sql, s50, s99, (http > 0 ? ms / http : 0), (sql > 0 ? ms / sql : 0), errs }' |
            tee -a "$RESULTS"
    done
}

if [ "${BENCH_TABLE_ONLY:-0}" = 1 ]; then   # the table again, from the last run's rounds
    RESULTS=/dev/null
    print_table
    exit 0
fi
: >"$RESULTS"

if [ ! -f "$DB" ]; then
    echo "== building $DB with $HH households (once; reused by later runs)"
    "$BIN" --db "$DB" demo --households "$HH" >/dev/null
fi

say "== machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; SQLite $(sqlite3 --version | cut -d' ' -f1)," \
    "libmicrohttpd $(pkg-config --modversion libmicrohttpd); $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "== database: $DB, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM resident') residents," \
    "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM household') households, $(du -m "$DB" | cut -f1) MiB"
say "== load average at start: $(loadavg)"

# ---- servers -------------------------------------------------------------------
SERVER= FLOOR=
stop_servers() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
    [ -n "$FLOOR" ] && kill "$FLOOR" 2>/dev/null && wait "$FLOOR" 2>/dev/null || true
    SERVER= FLOOR=
}
trap stop_servers EXIT INT TERM
"$TOOLS/http_floor" --listen "127.0.0.1:$FLOOR_PORT" --threads "$THREADS" 2>"$OUT/http_floor.log" &
FLOOR=$!
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --threads "$THREADS" --two-factor off >"$OUT/server.log" 2>&1 &
SERVER=$!
up=
for i in $(seq 1 300); do
    if curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 &&
       curl -fs "http://127.0.0.1:$FLOOR_PORT/" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.2
done
[ -n "$up" ] || { echo "a server did not start (see $OUT/server.log, $OUT/http_floor.log)" >&2; exit 1; }
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d '{"username":"jiedao","password":"Minsheng@2026"}' \
    "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "could not sign in as jiedao" >&2; exit 1; }
GRIDS=$(sqlite3 "$DB" "SELECT group_concat(id) FROM org_unit WHERE kind = 'grid'")
MAXID=$(sqlite3 "$DB" "SELECT MAX(id) FROM resident")
export GRIDS MAXID

run_sql() {   # endpoint → "ops/s p50_ms p99_ms errors"
    "$TOOLS/sql_floor" --db "$DB" --threads "$THREADS" --seconds "$SECS" "$1" | awk '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%s %s %s %s\n", v["ops_per_s"], v["p50_ms"], v["p99_ms"], v["failed"] }'
}

: >"$RAW"
say "== $ROUNDS rounds x (http floor, sql floor, minsheng) per endpoint, ${SECS}s each, wrk -c$CONN, $THREADS threads"
for r in $(seq 1 "$ROUNDS"); do
    for ep in $ENDPOINTS; do
        echo "$r $ep http $(run_wrk "$FLOOR_PORT" "$ep" "$CONN" "$SECS")" >>"$RAW"
        drain "$FLOOR_PORT"
        echo "$r $ep sql $(run_sql "$ep")" >>"$RAW"
        echo "$r $ep ms $(run_wrk "$PORT" "$ep" "$CONN" "$SECS" "Authorization: Bearer $TOKEN")" >>"$RAW"
        drain "$PORT"
        tail -3 "$RAW" | sed 's/^/   /'
    done
    say "   round $r done, load average $(loadavg)"
done
HWM=$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$SERVER/status")
RSS=$(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$SERVER/status")
stop_servers

print_table
say ""
say "server memory after the run: VmHWM $HWM (VmRSS $RSS)"
say "load average after the HTTP runs: $(loadavg)"

# ---- import against a raw bulk insert --------------------------------------------
if [ "${BENCH_IMPORT:-1}" = 1 ]; then
    # The street's CSV, exported once per database (the server's sessions
    # and audit rows change the file, not the residents).
    CSV="$OUT/residents.csv"
    if [ ! -s "$CSV" ] || [ "$(cat "$CSV.source" 2>/dev/null)" != "$DB" ]; then
        "$BIN" --db "$DB" export residents --full-id --purpose 性能测试 --out "$CSV" >/dev/null 2>&1
        echo "$DB" >"$CSV.source"
    fi
    rows=$(($(wc -l <"$CSV") - 1))
    # The database both write into: the org tree only, with the
    # street's own buildings (the demo's tree without households has
    # other building codes than a street of 400,000 households).
    TREE="$OUT/tree.db"
    rm -f "$TREE"*
    "$BIN" --db "$TREE" demo --households 0 >/dev/null 2>&1
    sqlite3 "$TREE" "PRAGMA foreign_keys=OFF; ATTACH '$DB' AS src; BEGIN;
        DELETE FROM registry_count; DELETE FROM org_unit WHERE kind = 'building';
        INSERT INTO org_unit(parent_id, kind, code, name, path, notes, created_at, updated_at)
          SELECT g.id, 'building', b.code, b.name, 'new:' || b.code, b.notes, b.created_at, b.updated_at
            FROM src.org_unit b JOIN src.org_unit sg ON sg.id = b.parent_id JOIN main.org_unit g ON g.code = sg.code
           WHERE b.kind = 'building';
        UPDATE org_unit SET path = (SELECT p.path FROM org_unit p WHERE p.id = org_unit.parent_id) || id || '/'
         WHERE kind = 'building';
        COMMIT;"
    copy_tree() { rm -f "$1" "$1"-* "$1".key; cp "$TREE" "$1"; cp "$TREE.key" "$1.key"; chmod 600 "$1.key"; }
    rm -f "$OUT"/raw.db* "$OUT"/plain.db*
    copy_tree "$OUT/import.db"
    t0=$(now)
    "$BIN" --db "$OUT/import.db" import residents "$CSV" >"$OUT/import.log" 2>&1 ||
        { echo "the import failed (see $OUT/import.log)" >&2; exit 1; }
    t1=$(now)
    copy_tree "$OUT/raw.db"
    raw=$("$TOOLS/bulk_insert" "$CSV" "$OUT/raw.db")
    plain=$("$TOOLS/bulk_insert" --plain "$CSV" "$OUT/plain.db")
    raw_s=$(echo "$raw" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
    plain_s=$(echo "$plain" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
    imp_s=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
    say ""
    say "CSV import of $rows rows: minsheng $imp_s s ($(awk "BEGIN { printf \"%.0f\", $rows / $imp_s }") rows/s)"
    say "  bulk insert of what the import stores (one transaction, encrypted, tags, history, counts): $raw_s s;" \
        "import / it: $(awk "BEGIN { printf \"%.2f\", $imp_s / $raw_s }")"
    say "  bulk insert in plaintext (one transaction, its own minimal schema): $plain_s s;" \
        "import / it: $(awk "BEGIN { printf \"%.2f\", $imp_s / $plain_s }")"
    say "load average after the import: $(loadavg)"
fi
echo "results in $RESULTS, every round in $RAW"
