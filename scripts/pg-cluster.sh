#!/bin/sh
# pg-cluster.sh — a real high-availability PostgreSQL 15 cluster on one
# machine: a primary and a streaming replica managed by pg_auto_failover
# (a monitor that watches both and promotes the replica when the primary
# is lost). For trying failover and for bench/failover.sh; production
# puts each of the three on its own server (docs/deploy.md).
#
#   scripts/pg-cluster.sh start DIR [--sync|--async] [--default-timeouts] [--install]
#       creates the cluster in DIR (or starts the nodes of an existing one
#       that are down: a lost primary rejoins as the replica) and prints the
#       libpq multi-host URI minsheng takes as --db:
#       postgresql://USER@127.0.0.1:P1,127.0.0.1:P2/minsheng?target_session_attrs=read-write
#       --sync (default): a commit returns once the replica has it on disk
#       too (pg_auto_failover's replication quorum); --async: once the
#       primary has it. --install installs the packages first
#       (scripts/install-deps.sh cluster); otherwise nothing is installed.
#   scripts/pg-cluster.sh status DIR    the nodes, their states, the mode, the URI
#   scripts/pg-cluster.sh failover DIR [--lag S]
#       kills the primary hard (SIGKILL to its pg_autoctl keeper, its
#       postmaster and the postmaster's children at once: as if the
#       machine were gone), waits until the URI reaches a writable primary
#       again and prints on stdout the new primary's name, the seconds
#       that took and the time of the kill (seconds since the epoch).
#       With --lag S the primary's WAL senders are stopped (SIGSTOP) S
#       seconds before the kill: a replica that lags S seconds behind, as
#       over a slow or congested link (what asynchronous replication then
#       loses is what was committed in those seconds).
#   scripts/pg-cluster.sh stop DIR      stops everything and removes DIR
#
# Owns: DIR and nothing else. DIR must be absent, empty or made by this
# script (marker file .minsheng-pg-cluster); stop refuses any other.
# Everything listens on 127.0.0.1 only, on three free ports of
# $PG_CLUSTER_PORTS ("LOW-HIGH", default a random start in 20000-59999):
# the monitor, node1 and node2. Data, configuration, pid files and logs
# are all under DIR (DIR/monitor, DIR/node1, DIR/node2 are the data
# directories; DIR/log/*.log the pg_autoctl logs; each server's own log
# in its data directory's log/); the Unix sockets are PostgreSQL's usual
# ones in /var/run/postgresql, named by port (pg_autoctl talks to its
# server through them). Connections are trusted from loopback and
# unencrypted (--no-ssl): test data only.
#
# As root, PostgreSQL and pg_autoctl run as the `postgres` system user
# (PostgreSQL refuses root) and the database user is `postgres`;
# otherwise they run as, and connect as, the current user, who then
# needs write access to /var/run/postgresql (the postgres group). The
# database `minsheng` is UTF8 with LC_COLLATE 'C' (migration 0001
# refuses others).
#
# Timeouts: pg_auto_failover's defaults promote the replica about 50 s
# after the primary is lost (20 s to call a node unhealthy, 30 s more for
# the old primary to demote itself). On loopback this script shortens
# them to 4 s and 10 s (the keeper's network_partition_timeout to 5 s, so
# that an isolated old primary still stops taking writes before the
# replica is promoted); --default-timeouts keeps pg_auto_failover's own.
# Messages go to stderr.
set -eu

MARKER=.minsheng-pg-cluster
DBNAME=minsheng
NODES="node1 node2"

die() { echo "pg-cluster: $*" >&2; exit 1; }
say() { echo "pg-cluster: $*" >&2; }

usage() {
    die "用法: $0 start DIR [--sync|--async] [--default-timeouts] [--install] | status DIR | failover DIR [--lag S] | stop DIR"
}

find_bin() {
    b=${PGBIN:-/usr/lib/postgresql/15/bin}
    [ -x "$b/initdb" ] || die "PostgreSQL 15 未安装 ($b/initdb)：scripts/install-deps.sh cluster，或加 --install"
    command -v pg_autoctl >/dev/null 2>&1 ||
        die "pg_auto_failover 未安装 (pg_autoctl)：scripts/install-deps.sh cluster，或加 --install"
    echo "$b"
}

db_user() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# as_owner CMD...: runs CMD as the cluster's owner, with pg_autoctl's
# configuration, state and pid files kept under DIR ($D) and no PG*
# variables of the caller's (PGPORT, PGHOST …) leaking into the servers.
as_owner() {
    set -- env -u PGPORT -u PGHOST -u PGUSER -u PGDATABASE -u PGDATA -u PGSERVICE -u PGPASSWORD \
        XDG_CONFIG_HOME="$D/config" XDG_DATA_HOME="$D/share" XDG_RUNTIME_DIR="$D/run" \
        PATH="$BIN:/usr/bin:/bin" "$@"
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_free() {
    # any socket on it, not only a listening one: an outgoing connection
    # from that local port (the ephemeral range) blocks a listen too
    ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .
}

pick_ports() {
    range=${PG_CLUSTER_PORTS:-}
    if [ -z "$range" ]; then
        lo=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 39000)); range="$lo-$((lo + 49))"
    fi
    got=""; n=0
    for p in $(seq "${range%-*}" "${range#*-}"); do
        port_free "$p" || continue
        got="$got $p"; n=$((n + 1))
        [ "$n" -eq 3 ] && { echo "$got"; return; }
    done
    die "端口范围 $range 中没有 3 个空闲端口"
}

port_of() { sed -n "s/^$1 //p" "$D/ports"; }

# monitor_sql SQL: one query on the monitor's database, rows on stdout.
monitor_sql() {
    "$BIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$(port_of monitor)" -U autoctl_node -d pg_auto_failover -c "$1"
}

node_sql() {
    PGCONNECT_TIMEOUT=2 "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$(port_of "$1")" -U "$(db_user)" -d "$DBNAME" -c "$2"
}

uri() {
    printf 'postgresql://%s@127.0.0.1:%s,127.0.0.1:%s/%s?target_session_attrs=read-write\n' \
        "$(db_user)" "$(port_of node1)" "$(port_of node2)" "$DBNAME"
}

# keeper_pid NAME: the pid of the pg_autoctl service of NAME, if it runs.
keeper_pid() {
    f="$D/run/pg_autoctl$D/$1/pg_autoctl.pid"
    [ -f "$f" ] || return 1
    pid=$(head -1 "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

postmaster_pid() {
    f="$D/$1/postmaster.pid"
    [ -f "$f" ] || return 1
    pid=$(head -1 "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# signal_group SIG PGID: dash's kill builtin takes no `--`, procps' does.
signal_group() { /bin/kill -s "$1" -- "-$2" 2>/dev/null; }

# group_of PID: its process group, unless that is ours.
group_of() {
    g=$(ps -o pgid= -p "$1" | tr -d ' ')
    [ -n "$g" ] && [ "$g" != "$(ps -o pgid= -p $$ | tr -d ' ')" ] && echo "$g"
}

# launch NAME: runs `pg_autoctl run` for NAME in its own session (so that
# failover can kill the whole node, and only it, as one process group).
launch() {
    mkdir -p "$D/log"
    setsid sh "$SELF" __run "$D" "$1" >>"$D/log/$1.log" 2>&1 </dev/null &
    for _ in $(seq 1 100); do
        keeper_pid "$1" >/dev/null && return 0
        sleep 0.1
    done
    tail -5 "$D/log/$1.log" >&2 || true
    die "$1 的 pg_autoctl 没有启动 (日志 $D/log/$1.log)"
}

# wait_for SECONDS WHAT SQL: until the monitor query answers t.
wait_for() {
    secs=$1 what=$2 sql=$3
    i=0
    while [ "$i" -lt $((secs * 5)) ]; do
        [ "$(monitor_sql "$sql" 2>/dev/null || true)" = t ] && return 0
        sleep 0.2; i=$((i + 1))
    done
    monitor_sql "SELECT nodename, reportedstate, goalstate FROM pgautofailover.node ORDER BY nodeid" >&2 || true
    die "$secs 秒内未能 $what (日志 $D/log/)"
}

# Every node registered, each in the state the monitor assigned it, one
# primary and the rest secondaries.
STEADY="SELECT count(*) = $(echo $NODES | wc -w)
            AND bool_and(reportedstate = goalstate AND reportedstate IN ('primary', 'secondary'))
            AND count(*) FILTER (WHERE reportedstate = 'primary') = 1
        FROM pgautofailover.node"

create_monitor() {
    as_owner pg_autoctl create monitor --pgdata "$D/monitor" --pgctl "$BIN/pg_ctl" \
        --pgport "$(port_of monitor)" --hostname 127.0.0.1 --auth trust --no-ssl \
        >>"$D/log/monitor.log" 2>&1 || { tail -5 "$D/log/monitor.log" >&2; die "监控节点创建失败"; }
    # pg_autoctl starts Postgres with -h listen_addresses: '*' unless told.
    as_owner pg_autoctl config set --pgdata "$D/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
    {
        echo "# pg-cluster.sh: a small server, not sized to the whole machine"
        echo "shared_buffers = '32MB'"
        if [ "$TIMEOUTS" = short ]; then
            echo "pgautofailover.health_check_period = 1000"
            echo "pgautofailover.health_check_timeout = 1000"
            echo "pgautofailover.health_check_max_retries = 1"
            echo "pgautofailover.health_check_retry_delay = 500"
            echo "pgautofailover.node_considered_unhealthy_timeout = 4000"
            echo "pgautofailover.primary_demote_timeout = 10000"
        fi
    } | as_owner tee "$D/monitor/postgresql.auto.conf" >/dev/null
}

# create_node NAME: node1 on a data directory initdb'd here (C collation,
# UTF8: pg_autoctl's own initdb would take the machine's locale); the
# others as a base backup of the primary, which pg_autoctl takes.
create_node() {
    name=$1
    quorum=true
    [ "$MODE" = async ] && quorum=false
    if [ "$name" = node1 ]; then
        as_owner "$BIN/initdb" -D "$D/node1" -U "$(db_user)" --auth=trust --encoding=UTF8 --locale=C \
            --no-instructions >>"$D/log/node1.log" 2>&1 || { tail -5 "$D/log/node1.log" >&2; die "initdb 失败"; }
        printf "# pg-cluster.sh\nshared_buffers = '32MB'\nwal_keep_size = '256MB'\n" |
            as_owner tee "$D/node1/postgresql.auto.conf" >/dev/null
    fi
    as_owner pg_autoctl create postgres --pgdata "$D/$name" --pgctl "$BIN/pg_ctl" --name "$name" \
        --pgport "$(port_of "$name")" --hostname 127.0.0.1 --listen 127.0.0.1 \
        --username "$(db_user)" --dbname "$DBNAME" --auth trust --no-ssl \
        --replication-quorum "$quorum" \
        --monitor "postgres://autoctl_node@127.0.0.1:$(port_of monitor)/pg_auto_failover?sslmode=disable" \
        >>"$D/log/$name.log" 2>&1 || { tail -5 "$D/log/$name.log" >&2; die "$name 创建失败"; }
    if [ "$TIMEOUTS" = short ]; then
        as_owner pg_autoctl config set --pgdata "$D/$name" timeout.network_partition_timeout 5 >/dev/null
    fi
}

start() {
    D=$1
    if [ -f "$D/$MARKER" ] && [ -f "$D/ports" ]; then
        D=$(cd "$D" && pwd)
        [ -z "$MODE_ARG" ] || [ "$MODE_ARG" = "$(cat "$D/mode")" ] ||
            die "$D 已是 $(cat "$D/mode") 集群：换模式先 stop 再 start"
        for name in monitor $NODES; do
            keeper_pid "$name" >/dev/null || { say "启动 $name"; launch "$name"; }
        done
        wait_for 180 "恢复为一主一备" "$STEADY"
        uri; return
    fi
    if [ -e "$D" ] && { [ ! -d "$D" ] || [ -n "$(ls -A "$D")" ]; }; then
        die "$D 不是空目录，也不是 pg-cluster 建的集群：不碰它"
    fi
    mkdir -p "$D"
    D=$(cd "$D" && pwd)
    : >"$D/$MARKER"
    chmod 700 "$D"
    echo "${MODE_ARG:-sync}" >"$D/mode"
    MODE=$(cat "$D/mode")
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "需要 postgres 系统用户 (以 root 运行时 PostgreSQL 用它)"
        chown postgres "$D"
        runuser -u postgres -- test -x "$D" || die "postgres 用户进不了 $D (上级目录权限)"
    fi
    as_owner mkdir -p "$D/config" "$D/share" "$D/run" "$D/log"
    ports=$(pick_ports) || exit 1
    # shellcheck disable=SC2086
    set -- $ports
    printf 'monitor %s\nnode1 %s\nnode2 %s\n' "$1" "$2" "$3" >"$D/ports"

    say "监控节点 127.0.0.1:$(port_of monitor)"
    create_monitor
    launch monitor
    say "node1 127.0.0.1:$(port_of node1)"
    create_node node1
    launch node1
    wait_for 60 "让 node1 成为主库" \
        "SELECT bool_and(reportedstate = 'single' AND goalstate = 'single') FROM pgautofailover.node"
    say "node2 127.0.0.1:$(port_of node2) (从 node1 做基础备份)"
    create_node node2
    launch node2
    wait_for 120 "得到一主一备" "$STEADY"
    primary=$(monitor_sql "SELECT nodename FROM pgautofailover.node WHERE reportedstate = 'primary'")
    # The monitor turns synchronous replication on once the replica has
    # caught up; wait for it to reach the primary's configuration.
    i=0
    while :; do
        standbys=$(node_sql "$primary" "SHOW synchronous_standby_names")
        [ "$MODE" = async ] || [ -n "$standbys" ] && break
        i=$((i + 1))
        [ "$i" -lt 300 ] || die "30 秒内主库没有开启同步复制"
        sleep 0.1
    done
    say "就绪: $MODE 复制 (synchronous_standby_names = '${standbys}')"
    uri
}

status() {
    D=$(cd "$1" && pwd)
    [ -f "$D/$MARKER" ] || die "$D 不是 pg-cluster 建的集群"
    as_owner pg_autoctl show state --pgdata "$D/monitor" || true
    for name in $NODES; do
        ro=$(node_sql "$name" "SELECT CASE WHEN pg_is_in_recovery() THEN 'replica' ELSE 'primary' END
                               || ', synchronous_standby_names = ''' || current_setting('synchronous_standby_names') || ''''" \
             2>/dev/null) || ro="down"
        echo "$name 127.0.0.1:$(port_of "$name"): $ro"
    done
    echo "mode: $(cat "$D/mode")"
    uri
}

# now: seconds since the epoch, with fractions.
now() { date +%s.%N; }

failover() {
    D=$(cd "$1" && pwd)
    [ -f "$D/$MARKER" ] || die "$D 不是 pg-cluster 建的集群"
    old=""
    for name in $NODES; do
        [ "$(node_sql "$name" "SELECT pg_is_in_recovery()" 2>/dev/null || true)" = f ] && old=$name
    done
    [ -n "$old" ] || die "没有可写的主库"
    if [ "$LAG" != 0 ]; then
        senders=$(node_sql "$old" "SELECT string_agg(pid::text, ' ') FROM pg_stat_replication")
        [ -n "$senders" ] || die "$old 没有 WAL sender"
        # shellcheck disable=SC2086
        kill -STOP $senders
        say "$old 的 WAL sender ($senders) 暂停 $LAG 秒：备库落后"
        sleep "$LAG"
    fi
    kp=$(keeper_pid "$old") || die "$old 的 pg_autoctl 没在运行"
    pm=$(postmaster_pid "$old") || die "$old 的 postmaster 没在运行"
    group=$(group_of "$kp") || die "$old 不在自己的进程组里"
    # PostgreSQL's server processes each run in a session of their own:
    # the postmaster's children are named, not reached through the group.
    kids=$(ps -o pid= --ppid "$pm" | tr '\n' ' ')
    t0=$(now)
    signal_group KILL "$group" || true
    # shellcheck disable=SC2086
    kill -KILL "$pm" $kids 2>/dev/null || true
    say "已 kill -9 $old (pg_autoctl $kp 所在进程组 $group, postmaster $pm 及其子进程)"
    i=0
    until PGCONNECT_TIMEOUT=2 "$BIN/psql" -X -q -At -d "$(uri)" -c "SELECT 1" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 1500 ] || die "150 秒内没有新的主库"
        sleep 0.1
    done
    t1=$(now)
    new=""
    for name in $NODES; do
        [ "$(node_sql "$name" "SELECT pg_is_in_recovery()" 2>/dev/null || true)" = f ] && new=$name
    done
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    say "新主库 $new，$secs 秒后可写 ($old 停着：start $D 让它作为备库重新加入)"
    echo "$new $secs $t0"
}

stop() {
    D=$1
    [ -e "$D" ] || return 0
    [ -f "$D/$MARKER" ] || die "$D 不是 pg-cluster 建的集群：不碰它"
    D=$(cd "$D" && pwd)
    groups=""
    for name in $NODES monitor; do
        kp=$(keeper_pid "$name") || continue
        g=$(group_of "$kp") && groups="$groups $g"
    done
    for g in $groups; do signal_group TERM "$g" || true; done
    for _ in $(seq 1 150); do
        alive=""
        for g in $groups; do signal_group 0 "$g" && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for g in $groups; do signal_group KILL "$g" || true; done
    # A postmaster whose keeper was already gone (a failover's victim).
    for name in monitor $NODES; do
        if postmaster_pid "$name" >/dev/null; then
            as_owner "$BIN/pg_ctl" -D "$D/$name" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$D"
}

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# Internal: what launch runs in the node's own session.
if [ "${1:-}" = __run ]; then
    D=$2
    BIN=$(find_bin)
    as_owner pg_autoctl run --pgdata "$D/$3"
    exit
fi

[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2
MODE_ARG="" TIMEOUTS=short install="" LAG=0
while [ $# -gt 0 ]; do
    a=$1; shift
    case $a in
        --lag)
            [ "$cmd" = failover ] && [ $# -gt 0 ] || usage
            LAG=$1; shift
            case $LAG in *[!0-9.]* | "") usage ;; esac ;;
        --sync) MODE_ARG=sync ;;
        --async) MODE_ARG=async ;;
        --default-timeouts) TIMEOUTS=default ;;
        --install) install=1 ;;
        *) usage ;;
    esac
done
[ "$cmd" = start ] || { [ -z "$MODE_ARG$install" ] && [ "$TIMEOUTS" = short ]; } || usage
if [ -n "$install" ]; then
    sh "$(dirname "$0")/install-deps.sh" cluster >&2
fi
BIN=$(find_bin)
case $cmd in
    start) start "$dir" ;;
    status) status "$dir" ;;
    failover) failover "$dir" ;;
    stop) stop "$dir" ;;
    *) usage ;;
esac
