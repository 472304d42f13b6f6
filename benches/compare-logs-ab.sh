#!/usr/bin/env bash
# Two authlog builds side by side on one log (a log kept by `KEEP=1 benches/compare-logs.sh`),
# alternating A B grep, A B grep, ... so that both see the same machine load; prints each run
# (wall, user, sys seconds, peak RSS KiB) and the medians, with the load before and after.
#
#   benches/compare-logs-ab.sh OLD/authlog NEW/authlog /tmp/ferret-logs-bench.X/auth.log [ROUNDS] [ARGS...]
#
# (grep writes to a file: GNU grep stops at the first match when its output is /dev/null.)
# ARGS (default `--jobs 1`) go to both binaries, after `--year 2024`; e.g. `--jobs 1 --json`.
set -euo pipefail
A=$1 B=$2 LOG=$3
ROUNDS=${4:-5}
shift $(( $# < 4 ? $# : 4 ))
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--jobs 1)
T=$(mktemp)
trap 'rm -f "$T" "$T.all" "$T.count"' EXIT
echo "log: $LOG ($(stat -c %s "$LOG") bytes), args: ${ARGS[*]}, load: $(uptime | sed 's/.*load average: //')"
cat "$LOG" > /dev/null
for _ in $(seq "$ROUNDS"); do
    for name in A B; do
        bin=${!name}
        /usr/bin/time -f "$name %e %U %S %M" -o "$T" "$bin" --year 2024 "${ARGS[@]}" "$LOG" > /dev/null 2>&1 || true
        tail -1 "$T" | tee -a "$T.all"
    done
    /usr/bin/time -f "grep %e %U %S %M" -o "$T" grep -c 'Failed password' "$LOG" > "$T.count" || true
    tail -1 "$T" | tee -a "$T.all"
done
python3 - "$(stat -c %s "$LOG")" "$T.all" <<'PY'
import statistics, sys
mb = int(sys.argv[1]) / 1048576
rows = {}
for line in open(sys.argv[2]):
    n, wall, u, s, rss = line.split()
    rows.setdefault(n, []).append((float(wall), float(u) + float(s), int(rss)))
med = {n: (statistics.median(w for w, _, _ in r), statistics.median(c for _, c, _ in r), max(m for *_, m in r)) for n, r in rows.items()}
for n, (w, c, m) in med.items():
    print(f"{n:<5} median {w:6.2f} s wall {mb / w:7.1f} MB/s | {c:6.2f} s cpu {mb / c:7.1f} MB/s per cpu-second | peak RSS {m / 1024:6.1f} MiB")
print(f"B/A cpu: {med['B'][1] / med['A'][1]:.3f}; grep faster per cpu-second than A {med['A'][1] / med['grep'][1]:.2f}x, than B {med['B'][1] / med['grep'][1]:.2f}x; wall: A {med['A'][0] / med['grep'][0]:.2f}x, B {med['B'][0] / med['grep'][0]:.2f}x")
PY
echo "load after: $(uptime | sed 's/.*load average: //')"
