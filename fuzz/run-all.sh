#!/bin/sh
# Runs every fuzz target (or the ones named) for SECONDS each, with debug assertions and
# overflow checks on (`cargo fuzz build -a`), a memory cap and a per-input timeout, and prints
# one line per target: executions, coverage, new inputs and crashes. New inputs go to
# fuzz/work/<target>/ (not committed); the committed corpus fuzz/corpus/<target>/ is read only.
# A crash leaves its input in fuzz/artifacts/<target>/ and makes the script exit 1.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]       (default: 60 s, every target)
#   JOBS=2 RSS_MB=1024 TIMEOUT=10 fuzz/run-all.sh 600 logs_envelope
#
# Needs cargo-fuzz and a nightly or RUSTC_BOOTSTRAP=1 (set here).
set -u
cd "$(dirname "$0")" || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
rss=${RSS_MB:-2048}
timeout=${TIMEOUT:-10}
jobs=${JOBS:-1}
export RUSTC_BOOTSTRAP=1
targets=${*:-$(cargo fuzz list)}
cargo fuzz build -a >/dev/null || exit 2
host=$(rustc -vV | sed -n 's/^host: //p')
status=0
printf '%-28s %14s %8s %8s %8s %s\n' target executions cov ft new crashes
for t in $targets; do
    mkdir -p "work/$t" "artifacts/$t"
    log="work/$t.log"
    before=$(ls "artifacts/$t" | wc -l)
    extra=""
    # The parallel pipeline starts threads for every input: LeakSanitizer sees their stacks.
    [ "$t" = logs_analyze_parallel ] && extra="-detect_leaks=0"
    [ "$jobs" -gt 1 ] && extra="$extra -jobs=$jobs -workers=$jobs"
    # The binary `cargo fuzz build -a` made, run directly (as `cargo fuzz run -a` would, without
    # its two cargo invocations per target, which cost more than a short run on a busy machine).
    "target/$host/release/$t" -artifact_prefix="$PWD/artifacts/$t/" \
        -max_total_time="$secs" -rss_limit_mb="$rss" -timeout="$timeout" \
        -print_final_stats=1 $extra "work/$t" "corpus/$t" >"$log" 2>&1
    execs=$(grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null |
        awk '{s += $2} END {print s + 0}')
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    new=$(ls "work/$t" | wc -l)
    crashes=$(( $(ls "artifacts/$t" | wc -l) - before ))
    [ "$crashes" -gt 0 ] && status=1
    printf '%-28s %14s %8s %8s %8s %s\n' "$t" "$execs" "${cov:--}" "${ft:--}" "$new" "$crashes"
    rm -f fuzz-*.log
done
exit $status
