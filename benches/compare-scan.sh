#!/usr/bin/env bash
# ferret's dropped-file scan of this live machine beside `find` + `file`, and its YARA pass
# beside `yara -r`, same run, warm cache (each command runs once untimed first).
#
#   benches/compare-scan.sh [FILES] [RUNS]
#
# Plants a tree of FILES files (default 100000: 1% ELF programs, the rest text) in a temporary
# directory under /tmp, then prints the best wall time of RUNS runs (default 3) of:
#   - ferret scan, default checks (drop locations, selective places, system paths, the whole
#     root filesystem for hidden directories): target under 2 s;
#   - ferret scan of the drop locations only (no hidden-directory walk) beside
#     `find <the same directories> -xdev -type f | xargs -P2 file` (content classification);
#   - YARA over the planted tree with the same rules: `scan --only yara --no-places --yara RULES
#     --paths TREE` beside `yara -r RULES TREE` (needs the `yara` feature; RULES defaults to
#     $FERRET_TESTDATA/yara/signature-base): target no slower than yara.
# PROFILE (default release) picks the cargo profile; `PROFILE=bench` builds without LTO.
# YARA=0 builds without the `yara` feature (no yara-x: a much shorter build) and skips the YARA
# part. SCAN_BIN=PATH runs that scan binary instead of building one (a copy of another commit's
# build, for a before/after on the same planted tree). Beside each wall time, the CPU time (user + system) of the same best run is printed:
# on a loaded machine it is the steadier figure. With strace installed, the system calls of one
# full scan are counted too (load-independent).
set -euo pipefail
FILES=${1:-100000}
RUNS=${2:-3}
PROFILE=${PROFILE:-release}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
RULES=${RULES:-${FERRET_TESTDATA:-$HERE/../shared/data}/yara/signature-base}
command -v yara >/dev/null 2>&1 || apt-get install -y -q yara >/dev/null
command -v file >/dev/null 2>&1 || apt-get install -y -q file >/dev/null
YARA=${YARA:-1}
FEATURES=(--features yara)
[ "$YARA" = 0 ] && FEATURES=()
if [ -n "${SCAN_BIN:-}" ]; then
    BIN=$SCAN_BIN # a scan binary built before (another commit's, for a before/after)
else
    cargo build -q --profile "$PROFILE" -p ferret --example scan "${FEATURES[@]}" --manifest-path "$HERE/Cargo.toml"
    BIN=$CARGO_TARGET_DIR/$PROFILE/examples/scan
    [ "$PROFILE" = dev ] && BIN=$CARGO_TARGET_DIR/debug/examples/scan
    # cargo writes the bench profile's output under release/
    [ "$PROFILE" = bench ] && BIN=$CARGO_TARGET_DIR/release/examples/scan
fi
TREE=$(mktemp -d /tmp/ferret-scan-bench.XXXXXX)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/ferret-scan-out.XXXXXX")
trap 'rm -rf "$TREE" "$OUT"' EXIT
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"

python3 - "$TREE" "$FILES" <<'EOF'
import os, sys, shutil
tree, n = sys.argv[1], int(sys.argv[2])
prog = open("/usr/bin/env", "rb").read()
for i in range(n):
    d = os.path.join(tree, "d%03d" % (i // 1000), "s%02d" % (i % 1000 // 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "f%06d" % i)
    if i % 100 == 7:
        with open(p, "wb") as f:
            f.write(prog)
        os.chmod(p, 0o755)
    else:
        with open(p, "w") as f:
            f.write(("entry %d of the planted tree\n" % i) * (1 + i % 40))
EOF
echo "planted $FILES files in $TREE ($(du -sh "$TREE" | cut -f1))"

CPU=$OUT/cpu
best() { # best wall time in seconds of "$@" over RUNS runs (after one untimed warm-up run);
    # that run's CPU seconds (user + system, children included) go to $CPU
    "$@" >/dev/null 2>&1 || true
    local b="" t s e
    for _ in $(seq "$RUNS"); do
        times >"$OUT/times0" # this shell's children so far (not in a $(...): that is another shell)
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        times >"$OUT/times1"
        t=$(echo "$e - $s" | bc)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then
            b=$t
            echo "$(cpu_of "$OUT/times1") - $(cpu_of "$OUT/times0")" | bc >"$CPU"
        fi
    done
    echo "$b"
}
cpu_of() { # user + system seconds of the children line of a `times` output
    tail -1 "$1" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }'
}

DROP="/tmp /var/tmp /dev/shm /run /var/log /var/spool"
drop_find_file() {
    # shellcheck disable=SC2086
    find $DROP -xdev -type f -print0 2>/dev/null | xargs -0 -r -P2 -n 256 file -b >/dev/null 2>&1
}
drop_ferret() {
    "$BIN" --json --only placement,modules,disguise,packed,miner,commands,iocs --exclude /etc --exclude /root --exclude /home --exclude /var/lib --exclude /usr --exclude /opt --exclude /bin --exclude /sbin --exclude /lib --exclude /lib64
}

"$BIN" --json >"$OUT/full.json" 2>/dev/null || true
FULL=$(best "$BIN" --json)
FULL_CPU=$(cat "$CPU")
DF=$(best drop_ferret)
DF_CPU=$(cat "$CPU")
FF=$(best drop_find_file)
FF_CPU=$(cat "$CPU")
nfiles=$(find $DROP -xdev -type f 2>/dev/null | wc -l)
read -r nf ne ncls nent <<<"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["stats"]; print(len(d["findings"]), len(d["errors"]), s["classified"], s["entries"])' "$OUT/full.json")"
printf 'ferret scan, default (whole root fs, %s entries, %s files classified): %6.3f s (CPU %s s)  findings %s errors %s  target < 2 s: %s\n' \
    "$nent" "$ncls" "$FULL" "$FULL_CPU" "$nf" "$ne" "$( [ "$(echo "$FULL < 2" | bc)" = 1 ] && echo met || echo MISSED)"
printf 'ferret scan, drop locations only:           %6.3f s (CPU %s s)\n' "$DF" "$DF_CPU"
if command -v strace >/dev/null 2>&1; then
    # System calls of one full scan: independent of load, the steadiest figure of the walk's
    # cost (each directory's openat2, or lstat + openat + fstat where openat2 cannot be used;
    # an lstat for each file in homes and unowned system or selective files; each classified
    # file's open/fstat/read/re-fstat/close). Per entry: divide by the entries of the first line.
    strace -f -c -o "$OUT/strace" "$BIN" --json >/dev/null 2>&1 || true
    calls() { awk -v s="$1" '$NF == s { print $4 }' "$OUT/strace" | head -1; }
    printf 'system calls of one full scan (strace -c -f): %s in all; newfstatat %s, openat %s, openat2 %s, close %s, pread64 %s, getdents64 %s\n' \
        "$(calls total)" "$(calls newfstatat)" "$(calls openat)" "$(calls openat2)" "$(calls close)" "$(calls pread64)" "$(calls getdents64)"
fi
printf 'find + file (xargs -P2), drop locations (%s files): %6.3f s (CPU %s s)  ratio find+file/ferret: %.1fx\n' "$nfiles" "$FF" "$FF_CPU" "$(echo "$FF / $DF" | bc -l)"

if [ "$YARA" = 0 ]; then
    echo "YARA=0: built without the yara feature, YARA part skipped"
elif [ -d "$RULES" ]; then
    Y=$(best "$BIN" --json --only yara --no-places --yara "$RULES" --paths "$TREE")
    YC=$(best yara -r -w "$RULES"/*.yar "$TREE")
    "$BIN" --json --only yara --no-places --yara "$RULES" --paths "$TREE" >"$OUT/yara.json" 2>/dev/null || true
    ym=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["stats"]["yara"]["matches"], d["stats"]["yara"]["files"])' "$OUT/yara.json")
    yc=$(yara -r -w "$RULES"/*.yar "$TREE" 2>/dev/null | wc -l)
    printf 'ferret YARA over the tree (%s rule files):  %6.3f s  matches/files %s\n' "$(ls "$RULES"/*.yar | wc -l)" "$Y" "$ym"
    printf 'yara -r, same rules and tree:               %6.3f s  matches %s\n' "$YC" "$yc"
    printf 'ratio yara/ferret: %.2fx  target ferret no slower: %s\n' "$(echo "$YC / $Y" | bc -l)" "$( [ "$(echo "$Y <= $YC" | bc)" = 1 ] && echo met || echo MISSED)"
else
    echo "no YARA rules at $RULES: set RULES or FERRET_TESTDATA"
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
