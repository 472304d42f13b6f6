#!/usr/bin/env bash
# Full `harden` audit of this live machine beside `lynis audit system --quick`, same run, warm
# cache (each tool runs once untimed first). Installs lynis (apt) when missing.
#
#   benches/compare-harden.sh [RUNS]
#
# Prints wall time of each (best of RUNS, default 3), their ratio, the finding counts, and the
# load average at the start and end (the machine is shared).
set -euo pipefail
RUNS=${1:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
if ! command -v lynis >/dev/null 2>&1; then
    apt-get install -y -q lynis >/dev/null
fi
cargo build --release -q -p ferret --example harden --manifest-path "$HERE/Cargo.toml"
BIN=$CARGO_TARGET_DIR/release/examples/harden
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-harden-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"

best() { # best wall time in seconds of "$@" over RUNS runs
    local b="" t
    for _ in $(seq "$RUNS"); do
        local s e
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}

# Warm-up (page cache, lynis' own caches), also collects the outputs for the counts.
"$BIN" --json >"$TMP/harden.json" 2>/dev/null || true
lynis audit system --quick --no-colors --logfile "$TMP/lynis.log" --report-file "$TMP/lynis.dat" >"$TMP/lynis.out" 2>&1 || true

H=$(best "$BIN" --json)
HN=$(best "$BIN" --json --only sshd,sysctl,persistence,services)
L=$(best lynis audit system --quick --no-colors --logfile "$TMP/lynis.log" --report-file "$TMP/lynis.dat")

hf=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["findings"]), len(d["errors"]))' "$TMP/harden.json")
lw=$(grep -c '^warning\[\]=' "$TMP/lynis.dat" || true)
ls=$(grep -c '^suggestion\[\]=' "$TMP/lynis.dat" || true)
printf 'ferret harden (all modules, full-root walk): %6.2f s  findings/errors: %s\n' "$H" "$hf"
printf 'ferret harden (without the filesystem walk): %6.2f s\n' "$HN"
printf 'lynis audit system --quick:                  %6.2f s  warnings: %s suggestions: %s\n' "$L" "$lw" "$ls"
printf 'ratio lynis/ferret: %.1fx\n' "$(echo "$L / $H" | bc -l)"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
