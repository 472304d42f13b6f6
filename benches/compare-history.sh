#!/usr/bin/env bash
# Compare the history example with `cat ~*/.bash_history | grep -c` style baselines on the
# same generated root (1,000 users, 3,000 commands each: ferret_testkit::history), same run,
# warm cache. The root is written to a temporary directory (removed at exit; KEEP=1 keeps it).
#
#   benches/compare-history.sh
#
# Each command runs REPEAT times (default 3) and the fastest run counts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
PROFILE=${PROFILE:-release}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-history-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
REPEAT=${REPEAT:-3}

cargo build --profile "$PROFILE" -q -p ferret --example history --features cli,logs,serde \
    --manifest-path "$HERE/Cargo.toml"
BIN=$CARGO_TARGET_DIR/$PROFILE/examples/history
FERRET_HISTORY_DUMP=$TMP cargo bench -q --bench history --features logs \
    --manifest-path "$HERE/Cargo.toml" >/dev/null

best() {
    local best=
    for _ in $(seq "$REPEAT"); do
        local s e
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s%N)
        local ms=$(((e - s) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

cd "$TMP/home"
F=$(best "$BIN" --root "$TMP" --json)
G=$(best sh -c "cat */.bash_history */.zsh_history | grep -c -E 'curl|wget'")
W=$(best sh -c "cat */.bash_history */.zsh_history | wc -l")
echo "1000 users x 3000 commands ($(du -sh "$TMP/home" | cut -f1))"
echo "ferret history --json (parse, classify all, findings): $F ms"
echo "cat | grep -c -E 'curl|wget':                           $G ms"
echo "cat | wc -l:                                            $W ms"
