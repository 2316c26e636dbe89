#!/bin/sh
# run-tests.sh — runs test binaries one by one and prints a summary.
#
# Each binary is a cmocka program; its exit status is the number of
# failed tests. The last line is "N passed, N failed" over all binaries
# (counted in binaries' test cases, as cmocka reports them), with the
# tests skipped; with TEST_SUMMARY_FILE set the summary is appended to it
# too (scripts/test-suite.sh prints every run's at the end).
set -u
label=$1; shift
passed=0; failed=0; skipped=0; bad_bins=""; skipped_bins=""
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for bin in "$@"; do
    out=$(mktemp)
    t0=$(date +%s)
    "$bin" >"$out" 2>&1
    rc=$?
    cat "$out"
    echo "-- $(basename "$bin"): $(( $(date +%s) - t0 )) s"
    p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
    f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
    k=$(grep -Eo '^\[  SKIPPED \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
    passed=$((passed + ${p:-0}))
    skipped=$((skipped + ${k:-0}))
    if grep -q '^\[ SKIP     \]' "$out"; then
        skipped_bins="$skipped_bins $(basename "$bin")"
    fi
    if [ "$rc" -ne 0 ]; then
        failed=$((failed + ${f:-1}))
        bad_bins="$bad_bins $(basename "$bin")"
    fi
    rm -f "$out"
done
summary() {
    echo "== $label tests =="
    [ -n "$bad_bins" ] && echo "failing:$bad_bins"
    [ -n "$skipped_bins" ] && echo "skipped (whole or in part, reason above):$skipped_bins"
    echo "$passed passed, $failed failed, $skipped skipped"
}
echo
summary
[ -n "${TEST_SUMMARY_FILE:-}" ] && summary >>"$TEST_SUMMARY_FILE"
[ "$failed" -eq 0 ]
