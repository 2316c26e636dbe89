#!/bin/sh
# bench/import_pg.sh — the CSV import on PostgreSQL beside SQLite (issue 8:
# "Bulk import uses COPY"). Not part of the test suite.
#
#   1. a demo street of BENCH_HOUSEHOLDS households (default 42000, about
#      100,000 residents) exported to CSV with full ID numbers;
#   2. for each binary (build/minsheng, and BENCH_BASE_BIN when set, e.g.
#      a build of the commit before the change): the CSV imported into a
#      fresh SQLite file and into a fresh PostgreSQL database holding only
#      the org tree, on a throwaway cluster (scripts/pg-temp.sh, loopback,
#      fsync off); wall time, the client's CPU time, and `check counts`.
#
# Environment: BENCH_HOUSEHOLDS, BENCH_BASE_BIN, BENCH_DIR (default
# bench/out-import-pg), PG_TEMP_PORTS (see scripts/pg-temp.sh).
set -eu
cd "$(dirname "$0")/.."
make -j2 build/minsheng >/dev/null
HH="${BENCH_HOUSEHOLDS:-42000}"
OUT="${BENCH_DIR:-bench/out-import-pg}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/pg" "$OUT"/*.db* "$OUT"/*.key
URI=$(sh scripts/pg-temp.sh start "$OUT/pg")
trap 'sh scripts/pg-temp.sh stop "$OUT/pg" >/dev/null 2>&1 || true' EXIT INT TERM
BASE=${URI%/*}

./build/minsheng --db "$OUT/source.db" demo --households "$HH" --seed 1 >/dev/null 2>&1
./build/minsheng --db "$OUT/source.db" export residents --full-id --purpose bench --out "$OUT/residents.csv"
rows=$(($(wc -l <"$OUT/residents.csv") - 1))
echo "== import of $rows residents ($HH households); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# run LABEL BIN DB: a fresh database with the org tree, the import timed, the counts checked.
run() {
    label=$1 bin=$2 db=$3
    "$bin" --db "$db" demo --households 0 --seed 1 >/dev/null 2>&1
    /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$bin" --db "$db" import residents "$OUT/residents.csv" >/dev/null 2>&1
    read -r wall user sys <"$OUT/time"
    counts=$("$bin" --db "$db" check counts 2>&1 | tail -1)
    printf '%-34s %7.1f s  %8.0f rows/s  client CPU %5.1f s  %s\n' "$label" "$wall" \
        "$(awk "BEGIN{print $rows / $wall}")" "$(awk "BEGIN{print $user + $sys}")" "$counts"
}

n=0
for bin in ./build/minsheng ${BENCH_BASE_BIN:-}; do
    n=$((n + 1))
    export MINSHENG_KEY_FILE="$OUT/pg$n.key"
    run "$bin SQLite" "$bin" "$OUT/target$n.db"
    psql -X -q "$URI" -c "CREATE DATABASE import$n TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'"
    run "$bin PostgreSQL" "$bin" "$BASE/import$n"
done
