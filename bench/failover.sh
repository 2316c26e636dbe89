#!/bin/sh
# failover.sh — minsheng through a real PostgreSQL failover (issue 8).
#
#   sh bench/failover.sh [--sync] [--async]     (both when neither is given)
#
# For each replication mode: starts a primary and a streaming replica
# under pg_auto_failover (scripts/pg-cluster.sh), builds a small demo
# street on it (`minsheng demo`, with a key file), serves it with the
# libpq multi-host URI (target_session_attrs=read-write), and runs
# FAILOVER_WRITERS writer loops that create households through the API
# (POST /api/v1/households, a unique code each), logging every request:
# start and end time, HTTP status, code, id. After FAILOVER_BEFORE
# seconds it kills the primary hard (pg-cluster.sh failover: SIGKILL to
# its keeper, postmaster and server processes), waits for the writes to
# succeed again (at most FAILOVER_RECOVER seconds), writes on for
# FAILOVER_AFTER seconds, stops the writers and checks on the new primary
# that every household that got a 2xx answer is there, with its audit row.
#
# Prints per mode: writes acknowledged, acknowledged writes lost (must be
# 0 with synchronous replication; asynchronous may lose the newest), the
# outage (first failed request → first succeeded one, and from the kill),
# how long the database took to have a writable primary again, and the
# answers seen during the outage. On loopback the replica is never
# behind, so asynchronous replication rarely loses anything; with
# FAILOVER_LAG=S the primary's WAL senders are paused S seconds before
# the kill (pg-cluster.sh failover --lag), a replica S seconds behind. Exit status 1 when a synchronous run
# lost an acknowledged write or minsheng did not recover; the async
# figures are reported, not judged.
#
# Needs root or a user who can run PostgreSQL, and the packages of
# `scripts/install-deps.sh cluster`. Everything listens on 127.0.0.1:
# the cluster on three ports of $PG_CLUSTER_PORTS (LOW-HIGH; default a
# random range, see pg-cluster.sh), minsheng on $FAILOVER_HTTP_PORT
# (default the first free port from one picked by the pid in 46500-46899).
# Working files in a new directory under $FAILOVER_DIR (default /tmp),
# removed at the end unless FAILOVER_KEEP=1. Takes about a minute per mode.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${MINSHENG_BIN:-$ROOT/build/minsheng}
[ -n "${MINSHENG_BIN:-}" ] || make -j2 build/minsheng >/dev/null
CLUSTER="sh $ROOT/scripts/pg-cluster.sh"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
WRITERS=${FAILOVER_WRITERS:-4}
BEFORE=${FAILOVER_BEFORE:-5}
AFTER=${FAILOVER_AFTER:-5}
RECOVER=${FAILOVER_RECOVER:-90}
LAG=${FAILOVER_LAG:-0}
PORT=${FAILOVER_HTTP_PORT:-}
if [ -z "$PORT" ]; then   # the first free port from one picked by the pid
    PORT=$((46500 + $$ % 400))
    while ss -Htan "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done
fi
mkdir -p "${FAILOVER_DIR:-/tmp}"
WORK=$(mktemp -d "${FAILOVER_DIR:-/tmp}/minsheng-failover.XXXXXX")

modes=""
for a in "$@"; do
    case $a in
        --sync) modes="$modes sync" ;;
        --async) modes="$modes async" ;;
        *) echo "用法: $0 [--sync] [--async]" >&2; exit 2 ;;
    esac
done
[ -n "$modes" ] || modes="sync async"

chmod 755 "$WORK"   # the cluster's owner (postgres, as root) walks through it
SERVER="" WRITER_PIDS="" CDIR=""
cleanup() {
    [ -n "$WRITER_PIDS" ] && kill $WRITER_PIDS 2>/dev/null || true
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
    [ -n "$CDIR" ] && $CLUSTER stop "$CDIR" 2>/dev/null || true
    if [ "${FAILOVER_KEEP:-0}" = 1 ]; then echo "logs: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
psql_uri() { "$PGBIN/psql" -X -q -At -d "$URI" -c "$1"; }

# writer N MODE: creates households until $WORK/stop exists; one line per
# request in $WORK/w.N: start end status code id.
writer() {
    n=$1 mode=$2 i=0
    log="$WORK/w.$n"
    : >"$log"
    while [ ! -e "$WORK/stop" ]; do
        i=$((i + 1))
        code="FO-$mode-$n-$i"
        t0=$(now)
        out=$(curl -s --max-time 20 -w '\n%{http_code}' -X POST \
            -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
            -d "{\"code\":\"$code\",\"grid_id\":$GRID,\"address\":\"失效切换测试路$n-$i号\"}" \
            "http://127.0.0.1:$PORT/api/v1/households" 2>/dev/null) || true
        t1=$(now)
        status=$(echo "$out" | tail -1)
        id=$(echo "$out" | head -1 | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
        echo "$t0 $t1 ${status:-000} $code ${id:--}" >>"$log"
        # A refused request comes back at once: do not spin on it.
        case $status in 2*) ;; *) sleep 0.05 ;; esac
    done
}

# first_answer STATUS_REGEX T: the end time of the first answer whose
# status matches and that ended after T (empty if none yet).
first_answer() {
    cat "$WORK"/w.* | awk -v re="$1" -v t="$2" '$3 ~ re && $2 > t { if (m == "" || $2 < m) m = $2 } END { print m }'
}

run_mode() {
    mode=$1
    rm -rf "$WORK/stop" "$WORK"/w.* "$WORK/key" "$WORK/seal"
    CDIR="$WORK/cluster-$mode"
    echo "== $mode replication$([ "$LAG" = 0 ] || echo ", the replica $LAG s behind at the kill")"
    URI=$($CLUSTER start "$CDIR" "--$mode")
    echo "cluster: $URI"
    "$BIN" --db "$URI" --key-file "$WORK/key" demo --households 20 --seed 8 >"$WORK/demo-$mode.log" 2>&1 ||
        { tail -5 "$WORK/demo-$mode.log"; return 1; }
    GRID=$(psql_uri "SELECT min(id) FROM org_unit WHERE kind = 'grid'")
    "$BIN" --db "$URI" --key-file "$WORK/key" serve --listen "127.0.0.1:$PORT" --threads 4 \
        --two-factor off --max-conn-per-ip 0 --seal "$WORK/seal" >"$WORK/server-$mode.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
        kill -0 "$SERVER" 2>/dev/null || { tail -5 "$WORK/server-$mode.log"; return 1; }
        sleep 0.1
    done
    TOKEN=$(curl -fs -H 'Content-Type: application/json' \
        -d '{"username":"jiedao","password":"Minsheng@2026"}' \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -e 's/.*"token":"\([0-9a-f]*\)".*/\1/')
    [ -n "$TOKEN" ] || { echo "登录失败"; return 1; }

    WRITER_PIDS=""
    for n in $(seq 1 "$WRITERS"); do
        writer "$n" "$mode" &
        WRITER_PIDS="$WRITER_PIDS $!"
    done
    sleep "$BEFORE"
    fo=$($CLUSTER failover "$CDIR" --lag "$LAG") || fo="- - $(now)"
    set -- $fo
    new_primary=$1 db_secs=$2 t_kill=$3
    # The outage as the writers saw it: from the first failed answer after
    # the kill to the first 2xx after that.
    first_fail="" recovered=""
    deadline=$(awk -v t="$t_kill" -v r="$RECOVER" 'BEGIN { printf "%.0f", t + r }')
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ -n "$first_fail" ] || first_fail=$(first_answer '^[^2]' "$t_kill")
        [ -z "$first_fail" ] || recovered=$(first_answer '^2' "$first_fail")
        [ -n "$recovered" ] && break
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.5
    done
    [ -n "$recovered" ] && sleep "$AFTER"
    : >"$WORK/stop"
    wait $WRITER_PIDS 2>/dev/null || true
    WRITER_PIDS=""
    server_alive=yes
    kill -0 "$SERVER" 2>/dev/null || server_alive="no (exited; see $WORK/server-$mode.log)"

    cat "$WORK"/w.* | sort -n >"$WORK/requests-$mode"
    acked=$(awk '$3 ~ /^2/' "$WORK/requests-$mode" | wc -l)
    # Households as "code id": ids are max + 1, so after a loss a later
    # household may get a lost one's id; the pair tells them apart.
    awk '$3 ~ /^2/ { print $4, $5 }' "$WORK/requests-$mode" | sort >"$WORK/acked-$mode"
    psql_uri "SELECT code || ' ' || id FROM household WHERE code LIKE 'FO-$mode-%'" | sort >"$WORK/present-$mode"
    lost=$(comm -23 "$WORK/acked-$mode" "$WORK/present-$mode" | wc -l)
    extra=$(comm -13 "$WORK/acked-$mode" "$WORK/present-$mode" | wc -l)
    # Every acknowledged household has its audit row (same transaction).
    psql_uri "SELECT h.code || ' ' || h.id FROM household h WHERE h.code LIKE 'FO-$mode-%' AND EXISTS
        (SELECT 1 FROM audit_log a WHERE a.entity = 'household' AND a.action = 'create' AND a.entity_id = h.id)" |
        sort >"$WORK/audited-$mode"
    audited=$(comm -12 "$WORK/acked-$mode" "$WORK/audited-$mode" | wc -l)
    before=$(awk -v t="$t_kill" '$3 ~ /^2/ && $2 <= t' "$WORK/requests-$mode" | wc -l)
    fails=$(awk '$3 !~ /^2/ { c[$3]++ } END { for (s in c) printf "%s %s×%d", sep, s, c[s]; sep = "," }' \
        "$WORK/requests-$mode")

    echo "primary killed; new primary: $new_primary, writable after ${db_secs} s (pg_auto_failover)"
    if [ -n "$recovered" ]; then
        outage=$(awk -v a="$first_fail" -v b="$recovered" 'BEGIN { printf "%.1f", b - a }')
        from_kill=$(awk -v a="$t_kill" -v b="$recovered" 'BEGIN { printf "%.1f", b - a }')
        echo "outage: $outage s from the first failed request to the first succeeded one ($from_kill s from the kill)"
    else
        echo "minsheng did not recover: no write succeeded within $RECOVER s after the kill"
    fi
    echo "writes: $(wc -l <"$WORK/requests-$mode") requests, $acked acknowledged ($before before the kill), failed:${fails:- none}"
    echo "acknowledged writes lost: $lost; audit rows for $audited of $acked; committed without a 2xx answer: $extra"
    echo "server still running: $server_alive"
    echo "RESULT $mode acked=$acked lost=$lost outage=${outage:--} recovered=$([ -n "$recovered" ] && echo yes || echo no)"

    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    $CLUSTER stop "$CDIR"
    CDIR=""
    [ "$mode" = async ] || { [ "$lost" -eq 0 ] && [ "$audited" -eq "$acked" ] && [ -n "$recovered" ]; }
}

status=0
for m in $modes; do
    run_mode "$m" || status=1
done
exit $status
