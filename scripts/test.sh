#!/bin/sh
# test.sh — the second command of the README, and what CI runs: install
# dependencies, build with AddressSanitizer + UndefinedBehaviorSanitizer,
# run the unit tests and the API tests (real server, loopback, temp DBs),
# then each fuzz target for a short run (FUZZ_SECONDS, default 15 s each;
# FUZZ_SECONDS=0 leaves them out).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)" test
if [ "${FUZZ_SECONDS:-15}" != 0 ]; then
    FUZZ_SECONDS=${FUZZ_SECONDS:-15} sh scripts/fuzz.sh
fi
