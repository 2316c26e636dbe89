#!/bin/sh
# pg-temp.sh — a throwaway PostgreSQL cluster for tests.
#
#   scripts/pg-temp.sh start DIR   creates (or finds running) a cluster in DIR
#                                  and prints its URI on stdout:
#                                  postgresql://USER@127.0.0.1:PORT/minsheng
#   scripts/pg-temp.sh stop DIR    stops it and removes DIR
#   scripts/pg-temp.sh restart DIR restarts it (fast shutdown: sessions
#                                  are ended) on the same port
#   scripts/pg-temp.sh start-replica PRIMARY_DIR DIR
#                                  a streaming replica of the cluster in
#                                  PRIMARY_DIR (pg_basebackup -R), hot
#                                  standby, in DIR; prints its URI
#
# Owns: DIR and nothing else. DIR must be absent, empty, or a directory
# this script made (it holds the marker file .minsheng-pg-temp); `stop`
# refuses any other directory, so a system cluster is never touched.
# The cluster listens on 127.0.0.1 only, keeps its socket in DIR/sock,
# trusts loopback connections (test data only: never put anything real
# in it) and runs with fsync off.
#
# As root, initdb and the server run as the `postgres` system user
# (PostgreSQL refuses to run as root) and the database user is
# `postgres`; otherwise they run as the current user, who is also the
# database user. The port is $PGPORT when set, else the first free port
# of $PG_TEMP_PORTS (a range "LOW-HIGH", default a random start in
# 20000-59999). The binaries come from $PGBIN, else the newest
# /usr/lib/postgresql/*/bin, else PATH. Messages go to stderr.
# With $PG_TEMP_WATCH_PID set, a watcher in the background stops the
# cluster and removes DIR once that process has ended, however it ended
# (a test that crashed leaves no server behind).
set -eu

MARKER=.minsheng-pg-temp
DBNAME=minsheng

die() { echo "pg-temp: $*" >&2; exit 1; }

find_bin() {
    if [ -n "${PGBIN:-}" ]; then
        [ -x "$PGBIN/initdb" ] || die "PGBIN=$PGBIN 里没有 initdb"
        echo "$PGBIN"; return
    fi
    b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -n "$b" ] && [ -x "$b/initdb" ]; then echo "$b"; return; fi
    i=$(command -v initdb 2>/dev/null) || true
    [ -n "$i" ] && { dirname "$i"; return; }
    die "PostgreSQL 服务器程序未安装 (initdb not found: install postgresql-15, scripts/install-deps.sh)"
}

# as_owner CMD...: runs CMD as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

db_user() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

port_free() {
    ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

running() {
    [ -f "$1/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

uri() {
    echo "postgresql://$(db_user)@127.0.0.1:$(cat "$1/port")/$DBNAME"
}

# make_dir DIR: makes DIR this script's (its marker, mode 700, owned by
# the cluster's system user) and sets $dir to its absolute path.
make_dir() {
    mkdir -p "$1"
    dir=$(cd "$1" && pwd)
    : >"$dir/$MARKER"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "需要 postgres 系统用户 (以 root 运行时 PostgreSQL 用它)"
        chown postgres "$dir"
        runuser -u postgres -- test -x "$dir" || die "postgres 用户进不了 $dir (上级目录权限)"
    fi
}

start() {
    dir=$1
    if [ -e "$dir" ] && [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir 不是空目录，也不是 pg-temp 建的集群：不碰它"
    fi
    if [ -f "$dir/$MARKER" ] && [ -f "$dir/port" ] && running "$dir"; then
        uri "$dir"; return
    fi
    if [ -f "$dir/$MARKER" ]; then   # a half-made or stopped cluster: start over
        stop "$dir"
    fi
    make_dir "$dir"
    as_owner "$BIN/initdb" -D "$dir/data" -U "$(db_user)" --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb 失败"; }
    as_owner mkdir -p "$dir/sock"
    launch "$dir"
    as_owner "$BIN/psql" -X -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U "$(db_user)" -d postgres \
        -c "CREATE DATABASE $DBNAME ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null ||
        die "无法创建数据库 $DBNAME"
    if [ -n "${PG_TEMP_WATCH_PID:-}" ]; then
        watch "$PG_TEMP_WATCH_PID" "$dir"
    fi
    uri "$dir"
}

# launch DIR: starts the cluster of DIR/data on the first free port
# ($PGPORT, or of $PG_TEMP_PORTS) and writes it to DIR/port.
launch() {
    dir=$1
    if [ -n "${PGPORT:-}" ]; then
        ports=$PGPORT
    else
        range=${PG_TEMP_PORTS:-}
        if [ -z "$range" ]; then
            lo=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 39000)); range="$lo-$((lo + 49))"
        fi
        ports=$(seq "${range%-*}" "${range#*-}")
    fi
    for port in $ports; do
        port_free "$port" || continue
        cat >>"$dir/data/postgresql.conf" <<EOF
# pg-temp.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        if as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            return
        fi
        # The port was taken between the check and the start: next one.
        sed -i '/^# pg-temp.sh$/,$d' "$dir/data/postgresql.conf"
    done
    tail -5 "$dir/data/server.log" >&2 2>/dev/null || true
    die "PostgreSQL 启动失败 (端口: $(echo $ports | cut -c1-40))"
}

# A hot standby of PRIMARY's cluster, streaming from it (pg_basebackup
# -R writes primary_conninfo and standby.signal), on a port of its own.
start_replica() {
    primary=$1 dir=$2
    [ -f "$primary/$MARKER" ] && [ -f "$primary/port" ] && running "$primary" ||
        die "$primary 不是正在运行的 pg-temp 集群"
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir 不是空目录：不碰它"
    fi
    make_dir "$dir"
    as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U "$(db_user)" -D "$dir/data" \
        -R -X stream --no-sync >"$dir/basebackup.log" 2>&1 ||
        { cat "$dir/basebackup.log" >&2; die "pg_basebackup 失败"; }
    as_owner rm -f "$dir/data/postmaster.pid" "$dir/data/server.log"
    sed -i '/^# pg-temp.sh$/,$d' "$dir/data/postgresql.conf"   # the primary's port and socket
    as_owner mkdir -p "$dir/sock"
    launch "$dir"
    if [ -n "${PG_TEMP_WATCH_PID:-}" ]; then
        watch "$PG_TEMP_WATCH_PID" "$dir"
    fi
    uri "$dir"
}

# Fast shutdown (every session is ended, as in a real restart), then up
# again on the same port.
restart() {
    dir=$1
    [ -f "$dir/$MARKER" ] && [ -f "$dir/port" ] || die "$dir 不是 pg-temp 建的集群：不碰它"
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -m fast -w -t 60 restart >/dev/null 2>&1 ||
        { tail -5 "$dir/data/server.log" >&2; die "PostgreSQL 重启失败"; }
}

watch() {
    self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    setsid sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; sh "$2" stop "$3"' \
        pg-temp-watch "$1" "$self" "$2" </dev/null >/dev/null 2>&1 &
}

stop() {
    dir=$1
    [ -e "$dir" ] || return 0
    [ -f "$dir/$MARKER" ] || die "$dir 不是 pg-temp 建的集群：不碰它"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

USAGE="用法: $0 start|stop|restart DIR | start-replica PRIMARY_DIR DIR"
[ $# -ge 2 ] || die "$USAGE"
BIN=$(find_bin)
case $1 in
    start) [ $# -eq 2 ] || die "$USAGE"; start "$2" ;;
    stop) [ $# -eq 2 ] || die "$USAGE"; stop "$2" ;;
    restart) [ $# -eq 2 ] || die "$USAGE"; restart "$2" ;;
    start-replica) [ $# -eq 3 ] || die "$USAGE"; start_replica "$2" "$3" ;;
    *) die "$USAGE" ;;
esac
