#!/bin/sh
# Side-by-side: `rpm -Va --nodeps --root R` (Debian's rpm, librpm, C) against ferret's
# pkgverify (`--rpm-lines`, the same `S.5....T.  c /path` lines) on the same rpm roots, in one
# run. Both roots are built here with rpmbuild and `rpm --root R -i --nodeps --noscripts`, then
# tampered with (content, size, mode, link, removal, config edit), so both tools have something
# to report:
#
#   big    one spec, 40 subpackages, about 5,000 files and 600 MB (binaries of 1-16 MB,
#          libraries, small files), SHA-256 file digests (rpm >= 4.6's default);
#   many   600 packages of 12 small files each (7,200 files, 30 MB): per-package cost;
#   md5    the "many" root with MD5 file digests (old rpm, `_binary_filedigest_algorithm 1`):
#          ferret's multi-buffer MD5.
#
# For each root: a warm-cache run (both tools once to warm, then rpm -Va and ferret alternately,
# RUNS times each (default 5), median wall time counted) and, when run as root, a cold-cache run of each tool after
# `echo 3 > /proc/sys/vm/drop_caches`. Wall and CPU (user+system) seconds are printed with the
# load average; the results must be identical line for line (exit 1 otherwise).
#
#   sh benches/compare-rpmverify.sh [WORKDIR]     (from the workspace root; WORKDIR is kept)
#
# PROFILE=release (the default) builds with the release profile (fat LTO); PROFILE=bench is
# quicker to build and a conservative figure. JOBS=N passes --jobs N to ferret; NO_BUILD=1 uses
# the binary already built.
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
PROFILE="${PROFILE:-release}"
command -v rpmbuild >/dev/null 2>&1 || apt-get install -y rpm >/dev/null
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$PROFILE" --quiet -p ferret --example pkgverify
# Cargo puts the bench profile's output in release/ too.
case "$PROFILE" in release | bench) BIN="$CARGO_TARGET_DIR/release/examples/pkgverify" ;; *) BIN="$CARGO_TARGET_DIR/$PROFILE/examples/pkgverify" ;; esac
if [ -n "${1:-}" ]; then
    W="$1"
    mkdir -p "$W"
else
    W="$(mktemp -d)"
    trap 'rm -rf "$W"' EXIT
fi
export LC_ALL=C

# gen_spec NAME PACKAGES FILES_PER_PACKAGE BIG(0/1): a spec whose %install writes random files.
gen_spec() {
    python3 - "$@" <<'PY'
import sys
name, n, per, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
print(f"Name: {name}\nVersion: 1\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch")
print("%description\nbench\n%install")
print("set +x")
print("gen() { head -c \"$2\" /dev/urandom > \"$1\"; }")
sizes_big = [16 << 20, 8 << 20, 4 << 20, 1 << 20, 1 << 20, 512 << 10, 256 << 10]
for i in range(n):
    d = f"%{{buildroot}}/opt/{name}/p{i}"
    print(f"mkdir -p {d}/bin {d}/lib {d}/share {d}/etc")
    for j in range(per):
        if big and j < len(sizes_big):
            size = sizes_big[j]
            where = "bin"
        elif big and j % 10 == 0:
            size = 64 << 10
            where = "lib"
        else:
            size = 200 + (i * 7919 + j * 104729) % (16 << 10 if big else 6 << 10)
            where = "share"
        print(f"gen {d}/{where}/f{j} {size}")
    print(f"printf 'k=v\\n' > {d}/etc/p{i}.conf")
    print(f"ln -s ../share/f{per - 1} {d}/bin/link")
for i in range(n):
    print(f"%package p{i}\nSummary: p{i}\n%description p{i}\np{i}")
for i in range(n):
    print(f"%files p{i}\n%dir /opt/{name}/p{i}\n/opt/{name}/p{i}/bin\n/opt/{name}/p{i}/lib\n/opt/{name}/p{i}/share")
    print(f"%config(noreplace) /opt/{name}/p{i}/etc/p{i}.conf")
PY
}

# build ROOT NAME PACKAGES FILES DIGEST_ALGO BIG
build() {
    root="$1"; name="$2"
    [ -e "$root/.built" ] && return 0
    rm -rf "$root" "$W/top-$name"
    gen_spec "$name" "$3" "$4" "$6" >"$W/$name.spec"
    rpmbuild --quiet --define "_topdir $W/top-$name" --define "_build_id_links none" \
        --define "_binary_payload w.ufdio" --define "__os_install_post %{nil}" \
        --define "_binary_filedigest_algorithm $5" -bb "$W/$name.spec" >/dev/null
    mkdir -p "$root"
    rpm --root "$root" --dbpath /var/lib/rpm -i --nodeps --noscripts "$W/top-$name"/RPMS/noarch/*.rpm
    rm -rf "$W/top-$name"
    # Tampering: every 50th package gets a changed, a resized, a chmodded, a removed file, a
    # retargeted link and an edited config file.
    i=0
    for d in "$root/opt/$name"/p*; do
        if [ $((i % 50)) -eq 3 ]; then
            f="$(ls "$d/share" | head -1)"
            printf 'X' | dd of="$d/share/$f" bs=1 seek=5 conv=notrunc 2>/dev/null
            touch -d @1000000000 "$d/share/$f"
            f="$(ls "$d/share" | sed -n 2p)"
            printf 'more' >>"$d/share/$f"
            f="$(ls "$d/share" | sed -n 3p)"
            chmod 0777 "$d/share/$f"
            f="$(ls "$d/share" | sed -n 4p)"
            rm -f "$d/share/$f"
            ln -sfn /tmp/elsewhere "$d/bin/link"
            echo 'k=w' >"$d/etc/$(basename "$d").conf"
        fi
        i=$((i + 1))
    done
    touch "$root/.built"
}

echo "building the roots in $W (once; kept when WORKDIR is given)"
build "$W/big" fbig 40 125 8 1
build "$W/many" fmany 600 12 8 0
build "$W/md5" fmd5 600 12 1 0

# wall, user and system seconds of one command, into a file
timed() { out="$1"; shift; /usr/bin/time -f '%e %U %S' -o "$out" "$@"; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
RPM() { rpm --root "$1" --dbpath /var/lib/rpm -Va --nodeps --noscripts; }
FERRET() { "$BIN" --root "$1" --rpm-lines --no-unowned ${JOBS:+--jobs "$JOBS"}; }
FAIL=0
RUNS="${RUNS:-5}"
for r in big many md5; do
    R="$W/$r"
    echo "== $r: $(du -sh --exclude=var "$R" | cut -f1), $(find "$R/opt" -type f | wc -l) files, load before: $(cut -d' ' -f1-3 /proc/loadavg), cpus: $(nproc)"
    RPM "$R" >/dev/null || true
    FERRET "$R" >/dev/null || true
    for i in $(seq 1 "$RUNS"); do
        timed "$W/rpm.time.$i" sh -c 'rpm --root "$1" --dbpath /var/lib/rpm -Va --nodeps --noscripts >"$2"' _ "$R" "$W/rpm.out" || true
        timed "$W/ferret.time.$i" sh -c '"$0" --root "$1" --rpm-lines --no-unowned ${JOBS:+--jobs "$JOBS"} >"$2"' "$BIN" "$R" "$W/ferret.out" || true
    done
    if [ "$(id -u)" != 0 ]; then
        COLD="not measured: dropping the page cache needs root"
    elif ! (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
        COLD="not measured: /proc/sys/vm/drop_caches is not writable here (container?)"
    else
        COLD=""
    fi
    if [ -z "$COLD" ]; then
        drop
        timed "$W/rpm.cold" sh -c 'rpm --root "$1" --dbpath /var/lib/rpm -Va --nodeps --noscripts >/dev/null' _ "$R" || true
        drop
        timed "$W/ferret.cold" sh -c '"$0" --root "$1" --rpm-lines --no-unowned ${JOBS:+--jobs "$JOBS"} >/dev/null' "$BIN" "$R" || true
    fi
    # Under load, wall time says little (both tools' threads share the same slice of the
    # machine): one more ferret run under `perf record -e cpu-clock` gives each thread's share
    # of the CPU, so its critical path (main thread + busiest worker) can be set against
    # rpm's single thread without depending on the load.
    if command -v perf >/dev/null 2>&1; then
        perf record -q -e cpu-clock -o "$W/perf.data" -- "$BIN" --root "$R" --rpm-lines --no-unowned \
            ${JOBS:+--jobs "$JOBS"} >/dev/null 2>&1 || true
        perf report -i "$W/perf.data" -s pid --stdio 2>/dev/null | grep '%' >"$W/threads" || true
        rm -f "$W/perf.data"
    fi
    echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    COLD="$COLD" python3 - "$W" "$W/rpm.out" "$W/ferret.out" "$RUNS" <<'PY' || FAIL=1
import os, sys
w, rpm_out, ferret_out, runs = sys.argv[1:]
runs = int(runs)
def times(p):
    # /usr/bin/time may prefix "Command exited with non-zero status N"
    return [float(x) for x in open(p).read().strip().split("\n")[-1].split()]
def med(tool):
    rs = sorted((times(f"{w}/{tool}.time.{i}") for i in range(1, runs + 1)), key=lambda t: t[0])
    return rs[len(rs) // 2], rs
(rw, ru, rs), rr = med("rpm")
(fw, fu, fs), fr = med("ferret")
print(f"   warm rpm -Va : {rw:6.2f} s wall {ru + rs:6.2f} s cpu  (runs {', '.join(f'{t[0]:.2f}' for t in rr)})")
print(f"   warm ferret  : {fw:6.2f} s wall {fu + fs:6.2f} s cpu  (runs {', '.join(f'{t[0]:.2f}' for t in fr)})")
print(f"   warm ratio   : {rw / fw:.2f}x faster (wall, median), {min(t[0] for t in rr) / min(t[0] for t in fr):.2f}x best against best, {(ru + rs) / (fu + fs):.2f}x less cpu")
shares = []
if os.path.exists(f"{w}/threads"):
    for line in open(f"{w}/threads"):
        pct, who = line.split()[:2]
        shares.append((int(who.split(":")[0]), float(pct.rstrip("%")) / 100))
    os.remove(f"{w}/threads")
if len(shares) >= 2:
    shares.sort()
    main, workers = shares[0][1], [s for _, s in shares[1:]]
    crit = (fu + fs) * (main + max(workers))
    print(f"   threads      : ferret cpu by thread {', '.join(f'{s * 100:.1f}%' for _, s in shares)} (main first);"
          f" critical path {crit:.2f} s vs rpm's {ru + rs:.2f} s cpu: {(ru + rs) / crit:.2f}x on an idle machine")
if os.path.exists(f"{w}/rpm.cold"):
    cw, cu, cs = times(f"{w}/rpm.cold")
    dw, du, ds = times(f"{w}/ferret.cold")
    print(f"   cold rpm -Va : {cw:6.2f} s wall {cu + cs:6.2f} s cpu")
    print(f"   cold ferret  : {dw:6.2f} s wall {du + ds:6.2f} s cpu  ({cw / dw:.2f}x faster)")
    os.remove(f"{w}/rpm.cold"); os.remove(f"{w}/ferret.cold")
else:
    print(f"   cold         : {os.environ.get('COLD') or 'not measured'}")
a = sorted(open(rpm_out, errors="surrogateescape").read().splitlines())
b = sorted(open(ferret_out, errors="surrogateescape").read().splitlines())
if a == b:
    print(f"   results      : identical ({len(a)} lines)")
else:
    sa, sb = set(a), set(b)
    print(f"   results      : DIFFER: {len(sb - sa)} only ferret, {len(sa - sb)} only rpm")
    for l in sorted(sb - sa)[:10]:
        print("     only ferret:", l)
    for l in sorted(sa - sb)[:10]:
        print("     only rpm   :", l)
    sys.exit(1)
PY
done
exit $FAIL
