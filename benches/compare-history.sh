#!/usr/bin/env bash
# Compare the history example with `cat ~*/.bash_history | grep -c` style baselines on the
# same generated root (1,000 users, 3,000 commands each, ~92 MB: ferret_testkit::history), same
# run, warm cache. The root is written to a temporary directory (removed at exit; KEEP=1 keeps
# it; ROOT=DIR reuses a root written before by `FERRET_HISTORY_DUMP=DIR cargo bench --bench
# history --features logs`).
#
#   benches/compare-history.sh
#
# The commands run in turn (A B C, A B C, ...) REPEAT times (default 5); the median wall time
# and CPU time (user + system) of each are printed: the issue's target is ferret under 200 ms
# wall on a quiet machine. PROFILE (default bench: no LTO, quick to build) picks the cargo
# profile of the example; PROFILE=release measures the shipped build.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
PROFILE=${PROFILE:-bench}
REPEAT=${REPEAT:-5}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-history-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT

cargo build --profile "$PROFILE" -q -p ferret --example history --features cli,logs,serde \
    --manifest-path "$HERE/Cargo.toml"
# Cargo puts the bench profile's output in release/, dev's in debug/.
case $PROFILE in bench | release) DIR=release ;; dev | test) DIR=debug ;; *) DIR=$PROFILE ;; esac
BIN=$CARGO_TARGET_DIR/$DIR/examples/history
if [ -n "${ROOT:-}" ]; then
    R=$ROOT
else
    R=$TMP/root
    FERRET_HISTORY_DUMP=$R cargo bench -q --bench history --features logs \
        --manifest-path "$HERE/Cargo.toml" >/dev/null
fi

cd "$R/home"
cat */.bash_history */.zsh_history >/dev/null # warm the cache
echo "1000 users x 3000 commands ($(du -sh "$R/home" | cut -f1)); $(nproc) cpus; load: $(uptime | sed 's/.*load average: //'); profile: $PROFILE"

NAMES=(ferret grep wc)
CMDS=(
    "\"$BIN\" --root \"$R\" --json"
    "cat */.bash_history */.zsh_history | grep -c -E 'curl|wget'"
    "cat */.bash_history */.zsh_history | wc -l"
)
for _ in $(seq "$REPEAT"); do
    for i in "${!NAMES[@]}"; do
        /usr/bin/time -f '%e %U %S' -a -o "$TMP/${NAMES[$i]}.t" sh -c "${CMDS[$i]}" >/dev/null 2>&1 || true
    done
done
median() { # file -> "wall cpu" medians in ms
    local w c
    # GNU time adds "Command exited with non-zero status N" (ferret exits 1 on findings).
    w=$(grep -v '^Command' "$1" | awk '{print $1 * 1000}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    c=$(grep -v '^Command' "$1" | awk '{print ($2 + $3) * 1000}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf "%6.0f ms wall %6.0f ms cpu" "$w" "$c"
}
echo "ferret history --json (parse, classify all, findings): $(median "$TMP/ferret.t")"
echo "cat | grep -c -E 'curl|wget':                           $(median "$TMP/grep.t")"
echo "cat | wc -l:                                            $(median "$TMP/wc.t")"
echo "(median of $REPEAT runs each, alternating; target: ferret under 200 ms wall on a quiet machine)"
echo "load after: $(uptime | sed 's/.*load average: //')"
