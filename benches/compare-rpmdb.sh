#!/bin/sh
# Side-by-side: `rpm -qa` (Debian's rpm, librpm) against ferret's reader (examples/rpmdb) on the
# same database files, in one run, warm page cache. rpm opens databases read-write (it creates
# -shm/-wal and a lock file), so each tool gets its own copy in a temporary directory.
#
#   FERRET_TESTDATA=../shared/data sh benches/compare-rpmdb.sh [REPEAT]   (from the workspace root)
#
# Databases: the real SQLite and Berkeley DB ones of $FERRET_TESTDATA/go-rpmdb, and a large
# Berkeley DB built with db5.3_load from every CBL-Mariner header repeated to 3,000 packages
# (rpm < 4.16's format, the one on CentOS 7/8 and Alibaba Cloud Linux 2/3). NDB is read by
# ferret only: Debian's rpm is built without the ndb backend. Each command runs REPEAT times
# (default 10); the best wall time and the summed CPU time are printed, with the target
# "ferret at least as fast as rpm -qa on the Berkeley DB".
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
REPEAT="${1:-10}"
: "${FERRET_TESTDATA:?set FERRET_TESTDATA to the shared data folder}"
for tool in rpm db5.3_load; do
    command -v "$tool" >/dev/null 2>&1 || apt-get install -y rpm db5.3-util >/dev/null
done
# The bench profile: optimised, without the release profile's fat LTO (a conservative figure).
cargo build --profile bench --quiet -p ferret --example rpmdb
BIN="$CARGO_TARGET_DIR/release/examples/rpmdb"
[ -x "$BIN" ] || BIN="$CARGO_TARGET_DIR/bench/examples/rpmdb"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
D="$FERRET_TESTDATA/go-rpmdb"

mkdir -p "$W/sqlite/var/lib/rpm" "$W/bdb/var/lib/rpm" "$W/ndb/usr/lib/sysimage/rpm" "$W/big/var/lib/rpm"
cp "$D/cbl-mariner-2.0/rpmdb.sqlite" "$W/sqlite/var/lib/rpm/"
cp "$D/libuuid/Packages" "$W/bdb/var/lib/rpm/"
cp "$D/sle15-bci/Packages.db" "$W/ndb/usr/lib/sysimage/rpm/"
python3 - "$D/cbl-mariner-2.0/rpmdb.sqlite" "$W/dump.txt" <<'PY'
import sqlite3, struct, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro&immutable=1", uri=True)
blobs = [b for (b,) in con.execute("SELECT blob FROM Packages ORDER BY hnum")]
with open(sys.argv[2], "w") as f:
    f.write("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n")
    f.write(f" {struct.pack('<I', 0).hex()}\n {struct.pack('<I', 3001).hex()}\n")
    for i in range(3000):
        f.write(f" {struct.pack('<I', i + 1).hex()}\n {blobs[i % len(blobs)].hex()}\n")
    f.write("DATA=END\n")
PY
db5.3_load -f "$W/dump.txt" "$W/big/var/lib/rpm/Packages"
rm "$W/dump.txt"
for d in sqlite bdb big; do
    mkdir -p "$W/rpm-$d"
    cp "$W/$d/var/lib/rpm/"* "$W/rpm-$d/"
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), cpus: $(nproc)"
python3 - "$W" "$BIN" "$REPEAT" <<'PY'
import os, resource, subprocess, sys, time
w, binary, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ, LC_ALL="C")

def unescape(line):
    # ferret escapes reversibly (`\\` for a backslash, `\xNN` for other bytes); rpm prints raw.
    import re
    line = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), line.replace("\\\\", "\0"))
    return line.replace("\0", "\\")

def run(cmd):
    """Best wall time and total CPU time of `repeat` runs, and the last output's lines."""
    best, cpu0 = 1e9, resource.getrusage(resource.RUSAGE_CHILDREN)
    out = b""
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True).stdout
        best = min(best, time.perf_counter() - t)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    lines = out.decode(errors="surrogateescape").splitlines()
    if cmd[0] == binary:
        lines = [unescape(l) for l in lines]
    return best, cpu / repeat, sorted(lines)

rows = []
for name, root, dbpath in [("sqlite (Mariner, 129)", "sqlite", "/var/lib/rpm"),
                           ("bdb (libuuid, 1)", "bdb", "/var/lib/rpm"),
                           ("bdb (3,000 headers)", "big", "/var/lib/rpm"),
                           ("ndb (SLE 15, 35)", "ndb", "/usr/lib/sysimage/rpm")]:
    for dump in (False, True):
        ours = run([binary, "--root", f"{w}/{root}", "--dbpath", dbpath] + (["--dump"] if dump else []))
        theirs = None
        if root != "ndb":
            qf = ["--qf", "%{NEVRA}\\n"] + (["--dump"] if dump else [])
            theirs = run(["rpm", "--dbpath", f"{w}/rpm-{root}", "-qa"] + qf)
        rows.append((name + (" --dump" if dump else ""), ours, theirs))

print(f"{'database':34} {'ferret wall/cpu':>18} {'rpm -qa wall/cpu':>18} {'ratio':>7}  same list")
for name, o, t in rows:
    if t is None:
        print(f"{name:34} {o[0]*1e3:8.2f}/{o[1]*1e3:7.2f}ms {'(no ndb in this rpm)':>18}")
        continue
    same = "yes" if o[2] == t[2] else "NO"
    print(f"{name:34} {o[0]*1e3:8.2f}/{o[1]*1e3:7.2f}ms {t[0]*1e3:8.2f}/{t[1]*1e3:7.2f}ms {t[0]/o[0]:6.2f}x  {same}")
big = [r for r in rows if r[0] == "bdb (3,000 headers)"][0]
print(f"target: the Berkeley DB reader at least as fast as rpm -qa: "
      f"{'met' if big[1][0] <= big[2][0] else 'MISSED'} ({big[2][0]/big[1][0]:.2f}x)")
PY
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
