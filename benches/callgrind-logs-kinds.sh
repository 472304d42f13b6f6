#!/usr/bin/env bash
# Instructions a line of authlog's line path (split, envelope, message: everything under
# `run_stream` but the detector's `observe_event`/`observe_repeated`), message template by
# template, for several builds side by side: where `benches/callgrind-logs.sh`'s average goes.
# The first LINES lines of LOG are grouped by template (addresses, ports and numbers masked);
# each of the TOP most frequent templates becomes a log of 5,000 of its lines carrying the
# time stamps of LOG's first 5,000 lines (so the memoised minute behaves as on the real log).
#
#   benches/callgrind-logs-kinds.sh LOG BIN [BIN...]      (LINES=400000 TOP=40 by default)
#
# e.g. benches/callgrind-logs-kinds.sh /tmp/auth.log old/authlog target/release/examples/authlog
set -euo pipefail
LOG=$1
shift
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-kinds.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
python3 - "$LOG" "$TMP" "${LINES:-400000}" "${TOP:-40}" <<'PY'
import collections, re, sys
log, out, nlines, top = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = []
with open(log, "rb") as f:
    for _ in range(nlines):
        l = f.readline()
        if not l:
            break
        lines.append(l.rstrip(b"\n"))
stamps = [l[:16] for l in lines[:5000]]
groups = collections.defaultdict(list)
for l in lines:
    m = re.match(rb"^.{16}\S+ [^:]*: (.*)$", l)
    if not m:
        continue
    key = re.sub(rb"\d+\.\d+\.\d+\.\d+", b"IP", m.group(1))
    key = re.sub(rb"port \d+", b"port P", key)
    key = re.sub(rb"\d+", b"N", key)
    groups[key].append(l)
ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:top]
with open(f"{out}/index", "wb") as idx:
    for i, (key, ls) in enumerate(ranked):
        ls = (ls * (5000 // len(ls) + 1))[:5000]
        with open(f"{out}/t{i:02d}.log", "wb") as t:
            t.write(b"".join(stamps[k % len(stamps)] + l[16:] + b"\n" for k, l in enumerate(ls)))
        idx.write(b"t%02d %6d %s\n" % (i, len(groups[key]), key[:100]))
PY
i=0
for bin in "$@"; do echo "bin$i: $bin"; i=$((i + 1)); done
printf '%-4s %7s' kind lines
i=0
for _ in "$@"; do printf ' %9s' "bin$i"; i=$((i + 1)); done
printf '  template (lines: in the first LINES of LOG)\n'
while read -r t n key; do
    printf '%-4s %7s' "$t" "$n"
    for bin in "$@"; do
        valgrind --tool=callgrind --toggle-collect='ferret_logs::analyze::stream::run_stream' --callgrind-out-file="$TMP/cg.out" \
            "$bin" --year 2024 --jobs 1 "$TMP/$t.log" > /dev/null 2> "$TMP/cg.err" || true
        total=$(awk '/Collected :/ {print $NF}' "$TMP/cg.err")
        # (from `/`: inside the repository the annotator splits a function's count by file)
        det=$(cd / && callgrind_annotate --inclusive=yes --auto=no "$TMP/cg.out" 2>/dev/null \
            | grep -E 'Detector::observe_(event|repeated) \[' | awk '{gsub(",", "", $1); s += $1} END {print s + 0}')
        printf ' %9d' $(( (total - det) / 5000 ))
    done
    printf '  %s\n' "$key"
done < "$TMP/index"
