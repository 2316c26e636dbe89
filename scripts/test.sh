#!/bin/sh
# test.sh — the second command of the README, and what CI runs: install
# dependencies, build with AddressSanitizer + UndefinedBehaviorSanitizer,
# run the unit tests and the API tests (real server, loopback, temp DBs)
# twice: on SQLite and on a throwaway PostgreSQL 15 cluster
# (scripts/test-suite.sh),
# check the PostgreSQL migrations against SQLite (scripts/pg-schema-check.sh),
# the failover test when MINSHENG_TEST_FAILOVER=1, then each fuzz target
# for a short run (FUZZ_SECONDS, default 15 s each; FUZZ_SECONDS=0 leaves
# them out).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)" test
# The schema on a throw-away PostgreSQL 15 against SQLite's (issue 8).
MINSHENG_BIN=build-test/minsheng sh scripts/pg-schema-check.sh
# The failover test on a real primary and standby (bench/failover.sh, ~3
# minutes): MINSHENG_TEST_FAILOVER=1 runs it; to be on by default once
# minsheng reconnects after a lost connection (issue 8's pool).
if [ "${MINSHENG_TEST_FAILOVER:-0}" = 1 ]; then
    sh scripts/install-deps.sh cluster
    MINSHENG_BIN="$PWD/build-test/minsheng" sh bench/failover.sh
fi
if [ "${FUZZ_SECONDS:-15}" != 0 ]; then
    FUZZ_SECONDS=${FUZZ_SECONDS:-15} sh scripts/fuzz.sh
fi
