#!/bin/sh
# fuzz.sh — builds the libFuzzer targets (make fuzz) and runs each one for
# FUZZ_SECONDS seconds (default 15), starting from the seeds committed in
# tests/fuzz/corpus/<target>/ plus what earlier runs found. Fails when
# any target finds a crash, a leak, undefined behaviour, a time-out or a
# broken check of its own; the input that did it is left in
# build-fuzz/crashes/<target>/ (see tests/fuzz/README.md to replay it).
#
#   scripts/fuzz.sh                      every target, 15 s each
#   FUZZ_SECONDS=3600 scripts/fuzz.sh    an hour each
#   FUZZ_TARGETS="csv http" scripts/fuzz.sh
set -u
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-15}
targets=${FUZZ_TARGETS:-}
make -j"$(nproc)" fuzz >/dev/null || { echo "fuzz: build failed" >&2; exit 1; }
if [ -z "$targets" ]; then
    for b in build-fuzz/fuzz/fuzz_*; do targets="$targets ${b#build-fuzz/fuzz/fuzz_}"; done
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=""
summary=""
for t in $targets; do
    bin=build-fuzz/fuzz/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    work=build-fuzz/corpus/$t
    crashes=build-fuzz/crashes/$t
    mkdir -p "$work" "$crashes" "$tmp/$t"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    echo "== fuzz $t (${seconds} s) =="
    # shellcheck disable=SC2086
    TMPDIR="$tmp/$t" "$bin" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 \
        -print_final_stats=1 $dict -artifact_prefix="$crashes/" "$work" "$seeds" >"$tmp/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$t.log")
    cov=$(grep -Eo 'cov: [0-9]+' "$tmp/$t.log" | tail -1)
    if [ "$rc" -ne 0 ]; then
        tail -60 "$tmp/$t.log"
        cp "$tmp/$t.log" "$crashes/last-run.log"
        echo "fuzz $t FAILED (exit $rc): input in $crashes/, log in $crashes/last-run.log"
        echo "  replay: $bin $crashes/<file>"
        failed="$failed $t"
    fi
    line=$(printf '%-10s %9s runs %7s exec/s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-}")
    summary="$summary
$line"
done
echo
echo "== fuzz targets ==$summary"
if [ -n "$failed" ]; then
    echo "failing:$failed"
    exit 1
fi
echo "no crash, leak or undefined behaviour found"
