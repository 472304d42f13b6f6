#!/usr/bin/env bash
# Instructions a line of authlog's sequential line path (split, envelope, message, detector:
# everything under `run_stream`, not the start-up nor the report), counted by callgrind: a
# figure that does not depend on machine load. Side by side for several builds on the same
# lines (the first SIZE_MB of LOG, whole lines).
#
#   benches/callgrind-logs.sh LOG SIZE_MB BIN [BIN...]
#
# e.g. benches/callgrind-logs.sh /work/logs300k.log 44 old/authlog target/release/examples/authlog
set -euo pipefail
LOG=$1 SIZE_MB=$2
shift 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-callgrind.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
head -c $((SIZE_MB * 1048576)) "$LOG" | head -n -1 > "$TMP/head.log"
LINES=$(wc -l < "$TMP/head.log")
echo "lines: $LINES (first $SIZE_MB MiB of $LOG)"
for bin in "$@"; do
    # The exact name: a function named like it inside (a closure of `run_stream_from`) would
    # toggle the collection off again.
    valgrind --tool=callgrind --toggle-collect='ferret_logs::analyze::stream::run_stream' --callgrind-out-file="$TMP/cg.out" \
        "$bin" --year 2024 --jobs 1 "$TMP/head.log" > /dev/null 2> "$TMP/cg.err" || true
    IR=$(awk '/Collected :/ {print $NF}' "$TMP/cg.err")
    python3 -c "import sys; ir = int(sys.argv[2]); print(f'{sys.argv[1]}: {ir:,} instructions, {ir / int(sys.argv[3]):.0f} a line')" "$bin" "$IR" "$LINES"
done
