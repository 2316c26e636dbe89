#!/bin/sh
# bench/storage.sh — write throughput and latency of the three sync modes
# (MINSHENG_SYNC=group, full, normal) with 1, 4, 16 and 50 concurrent
# writers, and the ratios of group commit to the others. Not part of the
# test suite.
#
# For each mode and writer count: a fresh demo database (200
# households), the release server with --threads BENCH_THREADS, and wrk
# posting residents (bench/create_resident.lua: every request creates
# one resident, its history and its audit row in one transaction) for
# BENCH_SECONDS. Prints writes/s, p50 and p99 latency, and non-2xx
# answers (should be none).
#
# Environment: BENCH_SECONDS (default 10), BENCH_THREADS (server worker
# threads, default 16), BENCH_PORT (default: one picked from the pid), BENCH_DIR (bench/out),
# BENCH_WRITERS ("1 4 16 50"), BENCH_MODES ("group full normal"),
# MINSHENG_SECURE_DELETE (1; 0 to measure without secure_delete).
set -eu
cd "$(dirname "$0")/.."
make -j"$(nproc)" build/minsheng >/dev/null
BIN=./build/minsheng
SECS="${BENCH_SECONDS:-10}"
THREADS="${BENCH_THREADS:-16}"
PORT="${BENCH_PORT:-$((20000 + $$ % 20000))}"
OUT="${BENCH_DIR:-bench/out}"
WRITERS="${BENCH_WRITERS:-1 4 16 50}"
MODES="${BENCH_MODES:-group full normal}"
mkdir -p "$OUT"
RESULTS="$OUT/storage.txt"
: >"$RESULTS"
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null || true' EXIT INT TERM

# wrk's latency ("812.00us", "1.93ms", "1.02s") in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN{ u = v; sub(/[0-9.]+/, "", u); x = v + 0;
    if (u == "us") x /= 1000; else if (u == "s") x *= 1000; printf "%.2f", x }'; }

run() {
    mode=$1 writers=$2
    db="$OUT/storage-$mode.db"
    rm -f "$db" "$db"-wal "$db"-shm "$db".key "$db".audit-seal
    $BIN --db "$db" demo --households 200 --seed 1 >/dev/null 2>&1
    MINSHENG_SYNC=$mode $BIN --db "$db" serve --listen "127.0.0.1:$PORT" --threads "$THREADS" \
        --two-factor off --max-conn-per-ip 0 >"$OUT/storage-server.log" 2>&1 &
    SERVER=$!
    for i in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
        kill -0 $SERVER 2>/dev/null || { cat "$OUT/storage-server.log"; exit 1; }
        sleep 0.1
    done
    token=$(curl -fs -H 'Content-Type: application/json' \
        -d '{"username":"jiedao","password":"Minsheng@2026"}' \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/')
    hh=$(sqlite3 "$db" "SELECT group_concat(id) FROM household")
    t=$((writers < 2 ? 1 : 2))
    out=$(BENCH_HOUSEHOLD_IDS=$hh wrk -t"$t" -c"$writers" -d"${SECS}s" --latency \
        -H "Authorization: Bearer $token" -H "Content-Type: application/json" -s bench/create_resident.lua "http://127.0.0.1:$PORT")
    kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
    rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
    p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
    p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
    bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    printf '%-7s %3s writers: %6s writes/s  p50 %7s ms  p99 %7s ms  non-2xx %s\n' \
        "$mode" "$writers" "$rps" "$p50" "$p99" "${bad:-0}"
    echo "$mode $writers $rps $p50 $p99" >>"$RESULTS"
}

echo "== writes/s by sync mode (${SECS}s each, $THREADS server threads, secure_delete ${MINSHENG_SECURE_DELETE:-1})"
for w in $WRITERS; do
    for m in $MODES; do
        run "$m" "$w"
    done
done

echo "== group commit against the others (writes/s ratio)"
for w in $WRITERS; do
    awk -v w="$w" '$2 == w { r[$1] = $3 }
        END { line = sprintf("%3s writers:", w);
              if (r["full"] > 0 && r["group"] != "") line = line sprintf("  group/full %.2f", r["group"] / r["full"]);
              if (r["normal"] > 0 && r["group"] != "") line = line sprintf("  group/normal %.2f", r["group"] / r["normal"]);
              print line }' "$RESULTS"
done
