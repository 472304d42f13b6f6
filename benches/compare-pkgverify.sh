#!/bin/sh
# Side-by-side: `debsums -s` against ferret's pkgverify on every installed package of this
# machine, in one run, warm page cache for both (a first ferret run warms it). Prints both
# times (wall and cpu; ferret's is the median of three runs), the ratio, the load, the MD5
# implementation ferret used, and whether the two report the same changed/missing files.
#
#   [PROFILE=bench] [NO_BUILD=1] sh benches/compare-pkgverify.sh   (from the workspace root; root for apt)
#
# ferret runs with --debsums-states --no-conffiles --no-unowned so that it checks exactly what
# `debsums -s` checks (packages installed/half-configured, no conffiles, no unowned scan).
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! command -v debsums >/dev/null 2>&1; then
    apt-get install -y debsums >/dev/null
fi
# PROFILE=release (the default, fat LTO) or PROFILE=bench (quicker to build, a conservative
# figure); NO_BUILD=1 uses the binary already built. Both profiles put examples in release/.
PROFILE="${PROFILE:-release}"
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$PROFILE" --quiet -p ferret --example pkgverify
BIN="$CARGO_TARGET_DIR/release/examples/pkgverify"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

FLAGS="--json --debsums-states --no-conffiles --no-unowned"
# wall, user and system seconds of one command, into a file
timed() { out="$1"; shift; /usr/bin/time -f '%e %U %S' -o "$out" "$@"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), cpus: $(nproc)"
"$BIN" $FLAGS >/dev/null || true # warm the page cache for both tools

timed "$OUT/debsums.time" env LC_ALL=C debsums -s >"$OUT/debsums.out" 2>"$OUT/debsums.err" || true
# ferret three times (it is short, so noisier); the median counts, the last run's result is compared
for i in 1 2 3; do
    timed "$OUT/ferret.time.$i" "$BIN" $FLAGS >"$OUT/ferret.json" || true
done

echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
def times(p):
    # /usr/bin/time may prefix "Command exited with non-zero status N"
    return [float(x) for x in open(p).read().split("\n")[-2].split()]
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
dw, du, ds = times(f"{out}/debsums.time")
runs = sorted((times(f"{out}/ferret.time.{i}") for i in (1, 2, 3)), key=lambda t: t[0])
fw, fu, fs = runs[1]
print(f"debsums -s : {dw:7.2f} s wall {du + ds:7.2f} s cpu  ({len(theirs)} changed/missing)")
print(f"ferret     : {fw:7.2f} s wall {fu + fs:7.2f} s cpu  (median of 3: {', '.join(f'{r[0]:.2f}' for r in runs)} s; "
      f"{len(ours)} changed/missing; {d['packages']} packages, {d['files']} files; MD5: {d.get('md5_engine', '?')})")
print(f"ratio      : {dw / fw:.1f}x faster (wall), {(du + ds) / (fu + fs):.1f}x less cpu")
if ours == theirs:
    print("results    : identical")
else:
    print(f"results    : DIFFER: {len(ours - theirs)} only ferret, {len(theirs - ours)} only debsums")
    for k in sorted(ours - theirs)[:20]:
        print("  only ferret :", *k)
    for k in sorted(theirs - ours)[:20]:
        print("  only debsums:", *k)
    sys.exit(1)
PY
