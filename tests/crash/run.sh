#!/bin/sh
# tests/crash/run.sh — the crash-durability test by hand, for many
# cycles and every sync mode: starts the release server under the
# power-cut shim, streams resident creations from 4 clients, kills it
# (kill -9 and simulated power cut in turn), restarts, and checks every
# acknowledged write, its audit row, PRAGMA integrity_check and
# `minsheng audit verify` (tests/api/test_crash.c). Prints acknowledged /
# missing per mode; a mode that loses acknowledged writes is reported
# FAILED (expected for normal: it does not fsync commits).
#
#   sh tests/crash/run.sh [CYCLES] [MODES]     defaults: 100 "group full normal"
#   CRASH_SHIM_KEEP=50 sh tests/crash/run.sh    power cuts keep a random half of the
#                                               unsynced writes (a disk that reorders)
set -u
cd "$(dirname "$0")/../.."
CYCLES="${1:-100}"
MODES="${2:-group full normal}"
make -j2 build/minsheng build-test/tests/test_crash build-test/tests/powercut.so >/dev/null || exit 1
status=0
for mode in $MODES; do
    out=$(CRASH_CYCLES=$CYCLES MINSHENG_SYNC=$mode MINSHENG_BIN="$PWD/build/minsheng" \
        CRASH_SHIM="$PWD/build-test/tests/powercut.so" build-test/tests/test_crash 2>&1)
    rc=$?
    line=$(echo "$out" | grep '^crash: MINSHENG_SYNC=' | tail -1)
    if [ -z "$line" ]; then
        echo "$out" | tail -20
        line="crash: MINSHENG_SYNC=$mode: did not finish"
    fi
    [ $rc -eq 0 ] && echo "$line  ok" || { echo "$line  FAILED"; status=1; }
done
exit $status
