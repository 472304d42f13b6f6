#!/usr/bin/env bash
# Compare ferret's login records with util-linux on the same ~100 MB wtmp and btmp, same run,
# warm cache: `last -f FILE --time-format iso -w -i -x` and `lastb -f FILE --time-format iso -w -i`
# writing their whole output (to a file) against
#  - `logins check` on a root holding only that file: parsed, sessions built (wtmp) or failures
#    counted per source (btmp), every tampering check run, nothing listed (the issue's target:
#    parsed >= 5x faster than last/lastb write their output), and
#  - `logins last` / `logins failed`: the same lines as last/lastb, written out.
# The files are made by `utmpdump -r` from generated text (a wtmp history of boots, crashes,
# shutdowns, run levels, getty records and sessions from IPv4 and IPv6 hosts on overlapping
# terminals; a btmp of sshd failures from 20,000 sources), in a temporary directory outside the
# repository (removed at exit; KEEP=1 keeps it).
#
#   benches/compare-logins.sh [SIZE_MB]
#
# Prints MB/s of each, the ratios the issue targets (ferret >= 5x), peak RSS (GNU time -v), and
# whether the outputs are the same lines. Each command runs REPEAT times (default 3), the
# fastest counts. PROFILE (default bench: no LTO, quick to build) picks the cargo profile of the
# example; PROFILE=release measures the shipped build.
set -euo pipefail
SIZE_MB=${1:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
PROFILE=${PROFILE:-bench}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-logins-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
REPEAT=${REPEAT:-3}
export TZ=UTC

cargo build -q --profile "$PROFILE" -p ferret --features cli,logs,serde --example logins \
    --manifest-path "$HERE/Cargo.toml"
# Cargo puts the bench profile's output in release/, dev's in debug/.
case $PROFILE in bench | release) DIR=release ;; dev | test) DIR=debug ;; *) DIR=$PROFILE ;; esac
BIN=$CARGO_TARGET_DIR/$DIR/examples/logins

mkdir -p "$TMP/root/var/log"
python3 - "$TMP" "$SIZE_MB" <<'PY'
import random, sys, datetime
tmp, size_mb = sys.argv[1], int(sys.argv[2])
n = size_mb * 1024 * 1024 // 384
rng = random.Random(42)
def line(ty, pid, id_, user, tty, host, addr, sec, usec=0):
    t = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return "[%d] [%05d] [%-4.4s] [%-8s] [%-12s] [%-20s] [%-15s] [%s,%06d+00:00]\n" % (
        ty, pid, id_, user, tty, host, addr, t, usec)
users = ["alice", "bob", "carol", "deploy", "root", "backup", "postgres", "ubuntu", "www-data",
         "administrator"]
hosts4 = ["%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256),
                           rng.randrange(1, 255)) for _ in range(500)]
hosts6 = ["2001:db8:%x::%x" % (rng.randrange(65536), rng.randrange(1, 65536)) for _ in range(200)]
# wtmp: a history
t = 1_600_000_000
out = []
open_ = {}
count = 0
def boot():
    global count
    out.append(line(2, 0, "~~", "reboot", "~", "6.1.0-18-amd64", "0.0.0.0", t))
    out.append(line(1, ord("N") * 256 + ord("5"), "~~", "runlevel", "~", "6.1.0-18-amd64", "0.0.0.0", t + 3))
    count += 2
boot()
while count < n:
    t += 1 + rng.randrange(300)
    k = rng.randrange(1000)
    if k < 4:
        if k < 3:
            out.append(line(1, ord("5") * 256 + ord("0"), "~~", "runlevel", "~", "6.1.0-18-amd64", "0.0.0.0", t))
            out.append(line(1, 0, "~~", "shutdown", "~", "6.1.0-18-amd64", "0.0.0.0", t + 1))
            count += 2
        t += 30 + rng.randrange(300)
        boot()
        open_.clear()
    elif k < 30:
        tty = "tty%d" % (1 + rng.randrange(6))
        out.append(line(6, 400 + rng.randrange(100), tty[-4:], "LOGIN", tty, "", "0.0.0.0", t))
        count += 1
    elif k < 520 or not open_:
        n_ = 0
        while True:
            tty = "pts/%d" % n_
            if tty not in open_:
                break
            n_ += 1
        pid = 1000 + rng.randrange(98000)
        if rng.randrange(5) == 0:
            h = hosts6[rng.randrange(len(hosts6))]
        else:
            h = hosts4[int(rng.paretovariate(1.3)) % len(hosts4)]
        open_[tty] = pid
        out.append(line(7, pid, tty[-4:], users[rng.randrange(len(users))], tty, h, h, t,
                        rng.randrange(1000000)))
        count += 1
    else:
        tty = rng.choice(sorted(open_))
        pid = open_.pop(tty)
        out.append(line(8, pid, tty[-4:], "", tty, "", "0.0.0.0", t, rng.randrange(1000000)))
        count += 1
open(tmp + "/wtmp.txt", "w").write("".join(out))
# btmp: sshd failures
tried = ["root", "admin", "oracle", "ubuntu", "test", "user", "pi", "postgres", "git", "guest"]
srcs = ["%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256),
                         rng.randrange(1, 255)) for _ in range(20000)]
t = 1_600_000_000
out = []
for i in range(n):
    t += rng.randrange(3)
    h = srcs[int(rng.paretovariate(1.1)) % len(srcs)]
    out.append(line(6, 1000 + rng.randrange(98000), "", tried[rng.randrange(len(tried))],
                    "ssh:notty", h, h, t))
open(tmp + "/btmp.txt", "w").write("".join(out))
PY
utmpdump -r < "$TMP/wtmp.txt" > "$TMP/root/var/log/wtmp" 2>/dev/null
utmpdump -r < "$TMP/btmp.txt" > "$TMP/root/var/log/btmp" 2>/dev/null
rm -f "$TMP/wtmp.txt" "$TMP/btmp.txt"
mkdir -p "$TMP/wroot/var/log" "$TMP/broot/var/log"
ln "$TMP/root/var/log/wtmp" "$TMP/wroot/var/log/wtmp"
ln "$TMP/root/var/log/btmp" "$TMP/broot/var/log/btmp"

WTMP=$TMP/root/var/log/wtmp
BTMP=$TMP/root/var/log/btmp
echo "wtmp: $(stat -c %s "$WTMP") bytes ($(( $(stat -c %s "$WTMP") / 384 )) records), btmp: $(stat -c %s "$BTMP") bytes"
echo "machine: $(nproc) cpus; load: $(uptime | sed 's/.*load average: //'); profile: $PROFILE"
cat "$WTMP" "$BTMP" > /dev/null # warm the cache

measure() { # name, command... -> "name wall rss cpu" of the fastest of REPEAT runs
    local name=$1; shift
    local out="$TMP/$name.time" best=""
    for _ in $(seq "$REPEAT"); do
        /usr/bin/time -v -o "$out" "$@" > "$TMP/$name.out" 2>/dev/null || true
        local secs rss cpu
        secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$out")
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
        cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$out")
        if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN {exit !(a < b)}'; then
            best="$secs $rss $cpu"
        fi
    done
    echo "$name $best"
}

R1=$(measure last last -f "$WTMP" --time-format iso -w -i -x)
R2=$(measure ferret-last "$BIN" last --root "$TMP/root" -f /var/log/wtmp --utc)
R5=$(measure ferret-check-wtmp "$BIN" check --root "$TMP/wroot")
R6=$(measure ferret-check-btmp "$BIN" check --root "$TMP/broot")
R3=$(measure lastb lastb -f "$BTMP" --time-format iso -w -i)
R4=$(measure ferret-failed "$BIN" failed --root "$TMP/root" -f /var/log/btmp --utc)
python3 - "$(stat -c %s "$WTMP")" "$(stat -c %s "$BTMP")" "$R1" "$R2" "$R3" "$R4" "$R5" "$R6" <<'PY'
import sys
w, b = int(sys.argv[1]), int(sys.argv[2])
sizes = {"last": w, "ferret-last": w, "ferret-check-wtmp": w,
         "lastb": b, "ferret-failed": b, "ferret-check-btmp": b}
speed, cpu_speed = {}, {}
for r in sys.argv[3:]:
    name, secs, rss, cpu = r.split()
    mb = sizes[name] / 1048576
    s, c = float(secs), float(cpu)
    speed[name] = mb / s if s > 0 else float("inf")
    cpu_speed[name] = mb / c if c > 0 else float("inf")
    print(f"{name:<14} {s:7.2f} s wall {speed[name]:8.1f} MB/s | {c:7.2f} s cpu {cpu_speed[name]:8.1f} MB/s per cpu-second | peak RSS {int(rss)/1024:7.1f} MiB")
print("(wall-clock figures depend on machine load; cpu-second figures do not)")
for a, b, target in (("ferret-check-wtmp", "last", 5), ("ferret-check-btmp", "lastb", 5),
                     ("ferret-last", "last", 0), ("ferret-failed", "lastb", 0)):
    ratio, cpu_ratio = speed[a] / speed[b], cpu_speed[a] / cpu_speed[b]
    verdict = f" (target >= {target}x: {'met' if ratio >= target else 'MISSED'} on wall, {'met' if cpu_ratio >= target else 'MISSED'} per cpu-second)" if target else " (listing: no target)"
    print(f"{a} vs {b}: {ratio:.1f}x wall, {cpu_ratio:.1f}x per cpu-second{verdict}")
PY
for pair in "last ferret-last" "lastb ferret-failed"; do
    set -- $pair
    # `last` ends with an empty line and "wtmp begins ..."; compare the record lines. `last`
    # calls an open session of a pid that is not alive on *this* machine "gone - no logout";
    # ferret does so only for a live root (--root is an image here): the same column, aligned.
    sed -i 's/  gone - no logout$/  still logged in/' "$TMP/$1.out"
    if cmp -s <(grep -v '^$' "$TMP/$1.out") <(grep -v '^$' "$TMP/$2.out"); then
        echo "$2: the same $(grep -vc '^$' "$TMP/$1.out") lines as $1"
    else
        echo "WARNING: $2 and $1 differ: $(diff <(grep -v '^$' "$TMP/$1.out") <(grep -v '^$' "$TMP/$2.out") | grep -c '^[<>]') lines"
        diff <(grep -v '^$' "$TMP/$1.out") <(grep -v '^$' "$TMP/$2.out") | head -6 || true
    fi
done
echo "load after: $(uptime | sed 's/.*load average: //') (best of $REPEAT runs each)"
