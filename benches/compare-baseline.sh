#!/usr/bin/env bash
# Side-by-side timing of ferret's baseline against AIDE and the raw read cost, in one run on
# the same warm tree (default /usr), 2 workers each. Prints wall and CPU times, peak RSS and
# every ratio of issue #3's targets. On a shared machine compare the ratios of one run, and the
# CPU-time ratio beside the wall-clock one (load skews wall time, much less CPU time).
#
#   bash benches/compare-baseline.sh [TREE]
#
# Installs aide, b3sum and GNU time with apt-get when missing. Writes only under a temporary
# directory (never inside TREE).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-/usr}
THREADS=2

need=()
command -v aide >/dev/null || need+=(aide)
command -v b3sum >/dev/null || need+=(b3sum)
[ -x /usr/bin/time ] || need+=(time)
if [ "${#need[@]}" -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build -q --release --example baseline >&2
B="$CARGO_TARGET_DIR/release/examples/baseline"

T=$(mktemp -d /tmp/ferret-compare.XXXXXX)
trap 'rm -rf "$T"' EXIT

cat >"$T/aide.conf" <<CONF
database_in=file:$T/aide.db
database_out=file:$T/aide.db.new
gzip_dbout=no
num_workers=$THREADS
report_url=stdout
FERRET = p+i+n+u+g+s+m+c+sha256
$TREE FERRET
CONF

# run NAME CMD...: wall seconds, CPU seconds (user + sys) and peak RSS (KiB) from GNU time -v.
declare -A WALL RSS CPU
run() {
    local name=$1; shift
    /usr/bin/time -v -o "$T/time.$name" "$@" >"$T/out.$name" 2>"$T/err.$name" || {
        local rc=$?
        # ferret check exits 1 when something differs; aide --init exits 0.
        if [ "$name" != "ferret-check" ] || [ "$rc" -ne 1 ]; then
            echo "$name failed (exit $rc):" >&2; tail -5 "$T/err.$name" >&2; exit 1
        fi
    }
    WALL[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$T/time.$name")
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.$name")
    CPU[$name]=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$T/time.$name")
}

files=$(find "$TREE" -xdev -type f | wc -l)
bytes=$(find "$TREE" -xdev -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
echo "tree: $TREE  files: $files  bytes: $bytes  threads: $THREADS  cpus: $(nproc)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Warm the page cache (twice: the first pass may read from disk).
find "$TREE" -xdev -type f -print0 | xargs -0 -P"$THREADS" cat >/dev/null 2>&1 || true
find "$TREE" -xdev -type f -print0 | xargs -0 -P"$THREADS" cat >/dev/null 2>&1 || true

run cat bash -c "find '$TREE' -xdev -type f -print0 | xargs -0 -P$THREADS cat >/dev/null 2>&1; true"
run ferret-init-blake3 "$B" init --hash blake3 --jobs "$THREADS" -o "$T/b3.db" "$TREE"
run ferret-init-sha256 "$B" init --hash sha256 --jobs "$THREADS" -o "$T/sha.db" "$TREE"
run ferret-check "$B" check --jobs "$THREADS" "$T/b3.db"
run ferret-check-fast "$B" check --fast --jobs "$THREADS" "$T/b3.db"
run aide-init aide --init -c "$T/aide.conf"
run b3sum bash -c "find '$TREE' -xdev -type f -print0 | xargs -0 -n 512 -P$THREADS b3sum --no-mmap >/dev/null 2>&1; true"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-22s %10s %10s %12s\n' "run" "wall (s)" "CPU (s)" "peak RSS MB"
for n in cat ferret-init-blake3 ferret-init-sha256 ferret-check ferret-check-fast aide-init b3sum; do
    printf '%-22s %10.2f %10.2f %12.1f\n' "$n" "${WALL[$n]}" "${CPU[$n]}" "$(echo "${RSS[$n]} / 1024" | bc -l)"
done
ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
mb() { echo "${RSS[$1]} / 1024" | bc; }
# verdict VALUE OP LIMIT: "met" or "MISSED" (OP is <= or >=).
verdict() { [ "$(echo "$1 $2 $3" | bc -l)" = 1 ] && echo met || echo MISSED; }
r_b3=$(ratio "${WALL[ferret-init-blake3]}" "${WALL[cat]}")
r_aide=$(ratio "${WALL[aide-init]}" "${WALL[ferret-init-sha256]}")
r_check=$(ratio "${WALL[ferret-check]}" "${WALL[ferret-init-blake3]}")
peak=$(printf '%s\n' "${RSS[ferret-init-blake3]}" "${RSS[ferret-init-sha256]}" "${RSS[ferret-check]}" | sort -n | tail -1)
echo
echo "issue #3 targets (same run, warm cache, $THREADS workers):"
echo "  ferret init blake3 / read limit (find|xargs cat): ${r_b3}x   (target <= 1.5: $(verdict "$r_b3" '<=' 1.5))"
echo "  aide --init sha256 / ferret init sha256:         ${r_aide}x   (target >= 8: $(verdict "$r_aide" '>=' 8); CPU time: $(ratio "${CPU[aide-init]}" "${CPU[ferret-init-sha256]}")x)"
echo "  ferret check / ferret init (blake3):              ${r_check}x   (target <= 1.2: $(verdict "$r_check" '<=' 1.2))"
echo "  peak RSS, init blake3 / init sha256 / check:      $(mb ferret-init-blake3) / $(mb ferret-init-sha256) / $(mb ferret-check) MB   (target < 200: $([ "$peak" -lt $((200 * 1024)) ] && echo met || echo MISSED))"
echo "other:"
echo "  ferret check --fast / ferret init (blake3):       $(ratio "${WALL[ferret-check-fast]}" "${WALL[ferret-init-blake3]}")x"
echo "  b3sum (xargs -P$THREADS) / ferret init blake3:      $(ratio "${WALL[b3sum]}" "${WALL[ferret-init-blake3]}")x"
echo "ferret init sha256: $(grep '^baseline:' "$T/err.ferret-init-sha256" | tail -1)"
echo "ferret check result: $(tail -1 "$T/out.ferret-check")"
echo "baseline sizes: blake3 $(stat -c %s "$T/b3.db") bytes, sha256 $(stat -c %s "$T/sha.db") bytes, aide $(stat -c %s "$T/aide.db.new") bytes"
