#!/bin/sh
# Side-by-side: `debsums -s` against ferret's pkgverify on every installed package of this
# machine, in one run, warm page cache for both (a first ferret run warms it). Prints both
# times, the ratio, the load, and whether the two report the same changed/missing files.
#
#   sh benches/compare-pkgverify.sh            (from the workspace root; needs root for apt)
#
# ferret runs with --debsums-states --no-conffiles --no-unowned so that it checks exactly what
# `debsums -s` checks (packages installed/half-configured, no conffiles, no unowned scan).
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/targets/pkg}"

if ! command -v debsums >/dev/null 2>&1; then
    apt-get install -y debsums >/dev/null
fi
cargo build --release --quiet -p ferret --example pkgverify
BIN="$CARGO_TARGET_DIR/release/examples/pkgverify"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

now() { date +%s.%N; }
FLAGS="--json --debsums-states --no-conffiles --no-unowned"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), cpus: $(nproc)"
"$BIN" $FLAGS >/dev/null || true # warm the page cache for both tools

t0=$(now)
LC_ALL=C debsums -s >"$OUT/debsums.out" 2>"$OUT/debsums.err" || true
t1=$(now)
"$BIN" $FLAGS >"$OUT/ferret.json" || true
t2=$(now)

echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT" "$t0" "$t1" "$t2" <<'EOF'
import json, re, sys
out, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
theirs = set()
for l in open(f"{out}/debsums.err", errors="surrogateescape"):
    m = re.match(r"debsums: (changed|missing) file (.*) \(from (\S+) package\)$", l.rstrip("\n"))
    if m:
        theirs.add((m[1], m[2], m[3]))
d = json.load(open(f"{out}/ferret.json"))
ours = set()
for f in d["findings"]:
    if f["id"].endswith("-missing"):
        kind = "missing"
    elif f["id"].endswith("-changed"):
        kind = "changed"
    else:
        continue
    pkg = f["detail"].split(";")[0].split(" ")[1]
    ours.add((kind, f["subject"], pkg))
td, tf = t1 - t0, t2 - t1
print(f"debsums -s : {td:7.2f} s  ({len(theirs)} changed/missing)")
print(f"ferret     : {tf:7.2f} s  ({len(ours)} changed/missing; {d['packages']} packages, {d['files']} files)")
print(f"ratio      : {td / tf:.1f}x faster")
if ours == theirs:
    print("results    : identical")
else:
    print(f"results    : DIFFER: {len(ours - theirs)} only ferret, {len(theirs - ours)} only debsums")
    for k in sorted(ours - theirs)[:20]:
        print("  only ferret :", *k)
    for k in sorted(theirs - ours)[:20]:
        print("  only debsums:", *k)
    sys.exit(1)
EOF
