#!/usr/bin/env bash
# Side-by-side timing of ferret's baseline against AIDE and the raw read cost, in one run on
# the same warm tree (default /usr), 2 workers each. Prints wall times, ratios and peak RSS.
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

# run NAME CMD...: wall seconds and peak RSS (KiB) from GNU time -v.
declare -A WALL RSS
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
}

files=$(find "$TREE" -xdev -type f | wc -l)
bytes=$(find "$TREE" -xdev -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
echo "tree: $TREE  files: $files  bytes: $bytes  threads: $THREADS  cpus: $(nproc)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Warm the page cache (twice: the first pass may read from disk).
find "$TREE" -xdev -type f -print0 | xargs -0 -P"$THREADS" cat >/dev/null 2>&1 || true
find "$TREE" -xdev -type f -print0 | xargs -0 -P"$THREADS" cat >/dev/null 2>&1 || true

run cat bash -c "find '$TREE' -xdev -type f -print0 | xargs -0 -P$THREADS cat >/dev/null 2>&1; true"
run ferret-init-blake3 "$B" init --hash blake3 --threads "$THREADS" -o "$T/b3.db" "$TREE"
run ferret-init-sha256 "$B" init --hash sha256 --threads "$THREADS" -o "$T/sha.db" "$TREE"
run ferret-check "$B" check --threads "$THREADS" "$T/b3.db"
run ferret-check-fast "$B" check --fast --threads "$THREADS" "$T/b3.db"
run aide-init aide --init -c "$T/aide.conf"
run b3sum bash -c "find '$TREE' -xdev -type f -print0 | xargs -0 -n 512 -P$THREADS b3sum --no-mmap >/dev/null 2>&1; true"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-22s %10s %12s\n' "run" "wall (s)" "peak RSS MB"
for n in cat ferret-init-blake3 ferret-init-sha256 ferret-check ferret-check-fast aide-init b3sum; do
    printf '%-22s %10.2f %12.1f\n' "$n" "${WALL[$n]}" "$(echo "${RSS[$n]} / 1024" | bc -l)"
done
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo
echo "ferret init blake3 / read limit (find|xargs cat): $(ratio "${WALL[ferret-init-blake3]}" "${WALL[cat]}")x   (target <= 1.5)"
echo "aide --init sha256 / ferret init sha256:         $(ratio "${WALL[aide-init]}" "${WALL[ferret-init-sha256]}")x   (target >= 8)"
echo "ferret check / ferret init (blake3):              $(ratio "${WALL[ferret-check]}" "${WALL[ferret-init-blake3]}")x   (target <= 1.2)"
echo "ferret check --fast / ferret init (blake3):       $(ratio "${WALL[ferret-check-fast]}" "${WALL[ferret-init-blake3]}")x"
echo "ferret init blake3 peak RSS: $(echo "${RSS[ferret-init-blake3]} / 1024" | bc) MB (target < 200)"
echo "ferret check result: $(tail -1 "$T/out.ferret-check")"
echo "baseline sizes: blake3 $(stat -c %s "$T/b3.db") bytes, sha256 $(stat -c %s "$T/sha.db") bytes, aide $(stat -c %s "$T/aide.db.new") bytes"
