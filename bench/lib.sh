# bench/lib.sh — what the benchmark scripts share (sourced, not run):
# the wrk targets of the search endpoints and one wrk run read into
# "req/s p50 p99 errors", waiting for a server to start and to close its
# connections, signing in, and a throwaway PostgreSQL cluster set up as
# for production (fsync on) with memory for a benchmark. Nothing here
# passes or fails. Expects to run from the repository's top directory.

now() { date +%s.%N; }
say() { echo "$@" | tee -a "$RESULTS"; }   # a line of the results (and the terminal)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
secs_since() { awk -v t0="$1" -v t1="$(now)" 'BEGIN { printf "%.1f", t1 - t0 }'; }

# bench_setup DEFAULT_DIR: what engines.sh and district.sh start with —
# the binary ($BIN: MINSHENG_BIN, else build/minsheng made here), the
# output directory ($OUT: BENCH_DIR, else DEFAULT_DIR) with results.txt
# ($RESULTS, emptied) and runs.txt ($RAW), and the wrk runs' knobs
# ($SECS, $CONNS, $THREADS, $ENDPOINTS).
bench_setup() {
    if [ -z "${MINSHENG_BIN:-}" ]; then make -j2 build/minsheng >/dev/null; fi
    BIN=${MINSHENG_BIN:-$PWD/build/minsheng}
    OUT="${BENCH_DIR:-$1}"
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    SECS="${BENCH_SECONDS:-10}"
    CONNS="${BENCH_CONNS:-16 64}"
    THREADS="${BENCH_THREADS:-4}"
    ENDPOINTS="${BENCH_ENDPOINTS:-grid name households detail stats_tags stats_org}"
    RESULTS="$OUT/results.txt"
    RAW="$OUT/runs.txt"
    : >"$RESULTS"
    : >"$RAW"
}

# machine_line [MORE]: the machine, the PostgreSQL version, MORE, the
# commit and the binary, as one results line.
machine_line() {
    say "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM;" \
        "PostgreSQL $(psql --version | cut -d' ' -f3)${1:+, $1}; $(git rev-parse --short HEAD 2>/dev/null || echo '?')${MINSHENG_BIN:+, binary $MINSHENG_BIN}"
}

# The wrk target of an endpoint: a Lua script or a fixed path. The Lua
# scripts read GRIDS (by_grid), MINID and MAXID (detail) from the
# environment.
wrk_args() {
    case $1 in
    grid)       echo "-s bench/by_grid.lua" ;;
    name)       echo "-s bench/by_name.lua" ;;
    detail)     echo "-s bench/detail.lua" ;;
    households) echo "--path /api/v1/households?page_size=50" ;;
    stats_tags) echo "--path /api/v1/stats/tags" ;;
    stats_org)  echo "--path /api/v1/stats/org-units" ;;
    org_tree)   echo "--path /api/v1/org-units" ;;
    *) echo "unknown endpoint $1" >&2; exit 2 ;;
    esac
}

# run_wrk PORT ENDPOINT CONNECTIONS SECONDS [HEADER]: wrk with 2
# threads; prints "req/s p50_ms p99_ms errors" (errors: non-2xx answers
# and socket errors).
run_wrk() {
    port=$1 ep=$2 conns=$3 secs=$4 hdr=${5:-}
    set -- $(wrk_args "$ep")
    if [ "$1" = "--path" ]; then target="http://127.0.0.1:$port$2"; script=; else target="http://127.0.0.1:$port"; script=$2; fi
    wrk -t2 -c"$conns" -d"${secs}s" --timeout 60s --latency ${script:+-s "$script"} \
        ${hdr:+-H "$hdr"} "$target" 2>&1 | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /^Requests\/sec/ { rps = $2 }
        /Non-2xx/ { err += $NF } /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        END { printf "%.1f %.3f %.3f %d\n", rps, p50, p99, err }'
}

# drain PORT: waits (up to 120 s) until no connection to PORT is left
# open on the server's side: a server still busy with requests whose wrk
# client has gone keeps their connections, and the next run would
# measure them too.
drain() {
    for i in $(seq 1 600); do
        [ "$(ss -Htan "( sport = :$1 )" | grep -vc LISTEN)" = 0 ] && return 0
        sleep 0.2
    done
    echo "   (port $1 still had connections open after 120 s)" >&2
}

# wait_http PORT PID: until http://127.0.0.1:PORT answers (60 s), while
# PID lives; non-zero if it did not.
wait_http() {
    for i in $(seq 1 300); do
        curl -fs "http://127.0.0.1:$1/api/v1/openapi.json" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# pick_port FROM: the first port from FROM on that no socket uses on this
# machine. A listening port inside the ephemeral range (32768-60999) may
# be the local port of some other program's outgoing connection at the
# moment a server binds it.
pick_port() {
    p=$1
    while [ -n "$(ss -Htan "( sport = :$p )")" ]; do p=$((p + 1)); done
    echo "$p"
}

# start_server FROM LOG CMD...: runs `CMD --listen 127.0.0.1:PORT` in the
# background on the first free port from FROM, and on the next one if it
# could not bind there after all (5 tries); sets SERVER_PORT and
# SERVER_PID once it answers, else returns 1.
start_server() {
    p=$1 log=$2
    shift 2
    for try in 1 2 3 4 5; do
        p=$(pick_port "$p")
        "$@" --listen "127.0.0.1:$p" >>"$log" 2>&1 &
        SERVER_PID=$! SERVER_PORT=$p
        wait_http "$p" "$SERVER_PID" && return 0
        kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
        p=$((p + 1))
    done
    return 1
}

# sign_in PORT USER: prints a bearer token (the demo password; the
# servers run with --two-factor off).
sign_in() {
    curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"$2\",\"password\":\"Minsheng@2026\"}" \
        "http://127.0.0.1:$1/api/v1/auth/login" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p'
}

# The benchmark cluster's settings: what production would keep (fsync,
# synchronous commit, full-page writes: pg-temp.sh turns them off for
# the tests) and memory sized for a 24 GiB machine shared with others.
# BENCH_PG_SHARED_BUFFERS overrides shared_buffers.
pg_bench_settings() {
    cat <<EOF
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = '${BENCH_PG_SHARED_BUFFERS:-2GB}'
effective_cache_size = '12GB'
work_mem = '16MB'
maintenance_work_mem = '512MB'
max_wal_size = '8GB'
checkpoint_timeout = '15min'
random_page_cost = 1.1
jit = off
max_connections = 200
EOF
}

# pg_bench_cluster DIR: a throwaway cluster (scripts/pg-temp.sh, loopback,
# ports from PG_TEMP_PORTS) with pg_bench_settings, restarted for
# shared_buffers; prints its URI. Stop it with `scripts/pg-temp.sh stop DIR`.
pg_bench_cluster() {
    uri=$(sh scripts/pg-temp.sh start "$1") || return 1
    pg_bench_settings | sed 's/^\([a-z_]*\) = \(.*\)$/ALTER SYSTEM SET \1 = \2;/' | psql -X -q "$uri" >/dev/null || return 1
    sh scripts/pg-temp.sh restart "$1" >/dev/null || return 1
    echo "$uri"
}

# pg_sql URI SQL: one value (psql, unaligned, tuples only).
pg_sql() { psql -X -qAt "$1" -c "$2"; }
