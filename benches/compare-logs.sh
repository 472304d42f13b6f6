#!/usr/bin/env bash
# Compare ferret-logs with `grep -c 'Failed password'` on the same ~1 GB auth log, same run,
# warm cache. The log is assembled from the real sshd/sudo/useradd lines in $FERRET_TESTDATA
# (fail2ban, elastic-beats), with varied source addresses (20k, a few of them busy) and
# increasing times, in a temporary directory outside the repository (removed at exit; set
# KEEP=1 to keep it). SOURCES=300000 makes a botnet's log instead: 300k addresses, each line's
# drawn uniformly (a distributed campaign, where nearly every address is seen).
#
#   FERRET_TESTDATA=/work/shared/data [SOURCES=300000] benches/compare-logs.sh [SIZE_MB]
#
# Prints MB/s of each, the ratios the issue targets, and peak RSS (GNU time -v). Each command
# runs REPEAT times (default 3) and the fastest run counts (less noise on a shared machine).
# LOG=/path/auth.log reuses a log generated before (KEEP=1 keeps the generated one).
# PROFILE=bench (default) or release or dev picks the build; BIN=/path/authlog measures that
# binary instead (no build: an older build, side by side on the same log).
set -euo pipefail
: "${FERRET_TESTDATA:?set FERRET_TESTDATA to the third-party data folder}"
SIZE_MB=${1:-1024}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-logs-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
REPEAT=${REPEAT:-3}
# PROFILE (default bench: no fat LTO, quick to build) picks the cargo profile; PROFILE=release
# measures the shipped build.
PROFILE=${PROFILE:-bench}
REUSE=${LOG:-}
LOG=${REUSE:-$TMP/auth.log}

if [ -z "${BIN:-}" ]; then
    cargo build -q --profile "$PROFILE" -p ferret --example authlog --manifest-path "$HERE/Cargo.toml"
    BIN=$CARGO_TARGET_DIR/$PROFILE/examples/authlog
    [ "$PROFILE" = dev ] && BIN=$CARGO_TARGET_DIR/debug/examples/authlog
    # the bench profile's output directory is target/release (cargo's built-in profile)
    [ "$PROFILE" = bench ] && BIN=$CARGO_TARGET_DIR/release/examples/authlog
fi

[ -n "$REUSE" ] || python3 - "$FERRET_TESTDATA" "$LOG" "$SIZE_MB" "${SOURCES:-20000}" <<'PY'
import random, re, sys, os
data, out, size_mb, nsrc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
srcs = [os.path.join(data, p) for p in (
    "fail2ban/logs/sshd", "fail2ban/logs/bsd/syslog-plain.txt",
    "fail2ban/testcases/testcase02.log", "elastic-beats/test.log")]
env = re.compile(rb"^[A-Z][a-z]{2} [ 0-9]?\d \d\d:\d\d:\d\d \S+ ((?:sshd|sudo|useradd|groupadd)(?:\[\d+\])?): (.*)$")
ipv4 = re.compile(rb"(?<![\d.])(?:::ffff:)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")
templates = []
for p in srcs:
    for line in open(p, "rb").read().split(b"\n"):
        m = env.match(line)
        if not m or b"\x1b" in line:
            continue
        tag, msg = m.group(1), m.group(2)
        prog = tag.split(b"[")[0]
        templates.append((prog, ipv4.sub(b"%IP%", msg)))
# weight towards what an attacked host logs most: failed passwords, invalid users, closes
weighted = []
for prog, msg in templates:
    w = 8 if msg.startswith((b"Failed password", b"Invalid user", b"Connection closed", b"Received disconnect")) else 1
    weighted += [(prog, msg)] * w
rng = random.Random(42)
ips = [b"%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)) for _ in range(nsrc)]
months = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"]
target = size_mb * 1024 * 1024
conns = [[b"", 0, 0] for _ in range(64)]
t = 0
written = 0
with open(out, "wb", buffering=1 << 22) as f:
    while written < target:
        buf = []
        for _ in range(20000):
            t += rng.randrange(0, 3)
            day, rem = divmod(t, 86400)
            mo = (day // 28) % 12
            d = day % 28 + 1
            prog, msg = weighted[rng.randrange(len(weighted))]
            # ~64 concurrent connections, each a few lines long with one pid and one address
            k = rng.randrange(64)
            c = conns[k]
            if c[2] <= 0:
                c[0] = ips[int(rng.paretovariate(1.2)) % len(ips)] if nsrc <= 20000 else ips[rng.randrange(nsrc)]
                c[1] = rng.randrange(1000, 4000000)
                c[2] = rng.randrange(1, 8)
            c[2] -= 1
            ip = c[0]
            pid = b"[%d]" % c[1] if prog in (b"sshd", b"useradd", b"groupadd") else b""
            buf.append(b"%s %2d %02d:%02d:%02d srv %s%s: %s\n" % (months[mo], d, rem // 3600, rem // 60 % 60, rem % 60, prog, pid, msg.replace(b"%IP%", ip)))
        chunk = b"".join(buf)
        f.write(chunk)
        written += len(chunk)
PY

BYTES=$(stat -c %s "$LOG")
MB=$(python3 -c "print(round($BYTES/1048576, 1))")
echo "log: $LOG ($MB MiB, $(wc -l < "$LOG") lines), templates from $FERRET_TESTDATA"
echo "machine: $(nproc) cpus; load: $(uptime | sed 's/.*load average: //')"
cat "$LOG" > /dev/null # warm the cache

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

R1=$(measure grep grep -c 'Failed password' "$LOG")
R2=$(measure ferret-1 "$BIN" --year 2024 --jobs 1 "$LOG")
R3=$(measure ferret-2 "$BIN" --year 2024 --jobs 2 "$LOG")
# the issue's memory figure: the whole JSON report (every source), one thread
R4=$(measure ferret-json "$BIN" --year 2024 --jobs 1 --json "$LOG")
echo "grep count: $(cat "$TMP/grep.out")"
python3 - "$BYTES" "$R1" "$R2" "$R3" "$R4" <<'PY'
import sys
b = int(sys.argv[1]) / 1048576
rows = [r.split() for r in sys.argv[2:]]
speed = {}
cpu_speed = {}
for name, secs, rss, cpu in rows:
    s = float(secs)
    speed[name] = b / s if s > 0 else float("inf")
    cpu_speed[name] = b / float(cpu) if float(cpu) > 0 else float("inf")
    print(f"{name:<10} {s:7.2f} s wall {speed[name]:8.1f} MB/s | {float(cpu):7.2f} s cpu {cpu_speed[name]:8.1f} MB/s per cpu-second | peak RSS {int(rss)/1024:7.1f} MiB")
print(f"(wall-clock figures depend on machine load; cpu-second figures do not, but cannot show parallel speed-up)")
print(f"ferret single-thread: {speed['ferret-1']:.1f} MB/s wall (target >= 300)")
print(f"ferret single-thread vs grep: grep is {speed['grep']/speed['ferret-1']:.2f}x faster wall, {cpu_speed['grep']/cpu_speed['ferret-1']:.2f}x per cpu-second (target <= 3x)")
print(f"ferret --jobs 2: {speed['ferret-2']:.1f} MB/s wall, {speed['ferret-2']/speed['ferret-1']:.2f}x --jobs 1 (target >= 1.6x)")
print(f"peak RSS: jobs 1 {int(rows[1][2])/1024:.1f} MiB, jobs 2 {int(rows[2][2])/1024:.1f} MiB, --json jobs 1 {int(rows[3][2])/1024:.1f} MiB (target < 64 MiB)")
PY
head -3 "$TMP/ferret-1.out"
cmp -s <(grep -v '^attack window' "$TMP/ferret-1.out") <(grep -v '^attack window' "$TMP/ferret-2.out") && echo "jobs 1 and jobs 2 reports identical" || echo "WARNING: jobs 1 and jobs 2 reports differ"
echo "load after: $(uptime | sed 's/.*load average: //') (best of $REPEAT runs each)"
