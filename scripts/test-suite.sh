#!/bin/sh
# test-suite.sh — what `make test` runs: the unit tests, then the API
# tests twice, on SQLite and on a real PostgreSQL 15, and one summary
# naming each run.
#
#   scripts/test-suite.sh "UNIT_BINS" "API_BINS"   (each a space-separated list;
#                                                   MINSHENG_BIN names the server)
#
# Owns: the order of the runs and the PostgreSQL cluster of the second API
# run. The cluster (scripts/pg-temp.sh: initdb as the `postgres` system
# user when run as root, else as the current user; 127.0.0.1 only, a free
# port of PG_TEMP_PORTS or a random one) is started once in a temporary
# directory and removed afterwards, also when the run fails or is
# interrupted (trap, and pg-temp.sh's watcher if this script is killed).
# Every server of that run gets a new database in it
# (MINSHENG_TEST_ENGINE=postgres, MINSHENG_TEST_PG_URI: tests/api/harness.h).
# MINSHENG_TEST_ENGINES=sqlite or =postgresql runs the API tests on one
# engine only (default: both).
set -u
cd "$(dirname "$0")/.."
unit_bins=$1
api_bins=$2
engines=${MINSHENG_TEST_ENGINES:-sqlite postgresql}
summary=$(mktemp)
cluster=""
stop_cluster() {   # pg-temp.sh removes what it made; an empty directory it refused to start in goes too
    sh scripts/pg-temp.sh stop "$cluster" 2>/dev/null || rmdir "$cluster" 2>/dev/null
    cluster=""
}
cleanup() {
    [ -n "$cluster" ] && stop_cluster
    rm -f "$summary"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TEST_SUMMARY_FILE="$summary"
start=$(date +%s)

run() {   # run LABEL BINS: one run-tests.sh group, timed
    t0=$(date +%s)
    # shellcheck disable=SC2086
    sh scripts/run-tests.sh "$1" $2
    echo "  ($(( $(date +%s) - t0 )) s)" >>"$summary"
}

[ -n "$unit_bins" ] && run unit "$unit_bins"
for engine in $engines; do
    case $engine in
    sqlite)
        MINSHENG_TEST_ENGINE=sqlite run "api (sqlite)" "$api_bins" ;;
    postgresql)
        cluster=$(mktemp -d /tmp/minsheng-pg-suite-XXXXXX)
        if uri=$(PG_TEMP_WATCH_PID=$$ sh scripts/pg-temp.sh start "$cluster"); then
            MINSHENG_TEST_ENGINE=postgres MINSHENG_TEST_PG_URI=$uri run "api (postgresql)" "$api_bins"
        else
            echo "== api (postgresql) tests ==" >>"$summary"
            echo "failing: no PostgreSQL cluster (scripts/pg-temp.sh start; PostgreSQL 15: scripts/install-deps.sh)" >>"$summary"
            echo "0 passed, 1 failed" >>"$summary"
        fi
        stop_cluster ;;
    *) echo "test-suite: unknown engine $engine (sqlite, postgresql)" >&2; exit 2 ;;
    esac
done

echo
echo "==== summary ($(( $(date +%s) - start )) s) ===="
cat "$summary"
! grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed' "$summary"
