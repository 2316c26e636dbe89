#!/bin/sh
# test.sh — the second command of the README, and what CI runs: install
# dependencies, build with AddressSanitizer + UndefinedBehaviorSanitizer,
# run the unit tests and the API tests (real server, loopback, temp DBs).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)" test
