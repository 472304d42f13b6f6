#!/usr/bin/env bash
# Compare ferret's audit-log reader (authlog on audit.log) with auditd's own aureport on the
# same generated audit log, same run, alternating A B A B, medians of REPEAT runs (default 5).
# The log is written as RHEL 9's auditd writes it (ENRICHED, hex acct for unknown users,
# multi-record keyed execve events): SOURCES addresses (default 2000) guessing passwords
# (USER_LOGIN for unknown users, USER_AUTH failures), logins, sudo commands, useradd.
#
#   [SOURCES=2000] [REPEAT=5] benches/compare-audit.sh [SIZE_MB]        (default 100)
#
# Prints CPU seconds (user+sys) and MB/s per CPU-second of each, their ratio, peak RSS, and
# checks that both count the same failed authentications (aureport -au --failed rows vs the
# sum of ferret's per-source failures). KEEP=1 keeps the log; LOG=/path reuses one;
# PROFILE=bench (default), release or dev picks the build; BIN=/path/authlog skips the build.
set -euo pipefail
SIZE_MB=${1:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-audit-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
REPEAT=${REPEAT:-5}
PROFILE=${PROFILE:-bench}
REUSE=${LOG:-}
LOG=${REUSE:-$TMP/audit.log}
command -v aureport >/dev/null || { echo "aureport missing: apt-get install auditd" >&2; exit 2; }

if [ -z "${BIN:-}" ]; then
    cargo build -q --profile "$PROFILE" -p ferret --example authlog --manifest-path "$HERE/Cargo.toml"
    BIN=$CARGO_TARGET_DIR/release/examples/authlog
    [ "$PROFILE" = dev ] && BIN=$CARGO_TARGET_DIR/debug/examples/authlog
fi

[ -n "$REUSE" ] || python3 - "$LOG" "$SIZE_MB" "${SOURCES:-2000}" <<'PY'
import random, sys
out, size_mb, nsrc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
hexs = lambda s: s.encode().hex().upper()
SSHD = "system_u:system_r:sshd_t:s0-s0:c0.c1023"
srcs = ["198.18.%d.%d" % (i // 250, i % 250 + 1) for i in range(nsrc)]
t, serial, pid, n = 1733531000000, 1000, 3000, 0
limit = size_mb << 20
with open(out, "w") as f:
    def rec(kind, body, en=""):
        global serial, n
        serial += 1
        line = "type=%s msg=audit(%d.%03d:%d): %s" % (kind, t // 1000, t % 1000, serial, body)
        if en:
            line += "\x1d" + en
        f.write(line + "\n")
        n += len(line) + 1
    while n < limit:
        t += rng.randint(1, 400)
        pid += 1
        ip = srcs[int(rng.paretovariate(1.2)) % nsrc]
        r = rng.random()
        if r < 0.25:
            rec("USER_LOGIN", "pid=%d uid=0 auid=4294967295 ses=4294967295 subj=%s msg='op=login acct=%s exe=\"/usr/sbin/sshd\" hostname=? addr=%s terminal=ssh res=failed'" % (pid, SSHD, hexs("(invalid user)"), ip), 'UID="root" AUID="unset"')
            acct = '"?"'
        else:
            acct = '"%s"' % rng.choice(["root", "admin", "oracle", "ubuntu", "test"])
        if r < 0.97:
            rec("USER_AUTH", "pid=%d uid=0 auid=4294967295 ses=4294967295 subj=%s msg='op=PAM:authentication grantors=? acct=%s exe=\"/usr/sbin/sshd\" hostname=%s addr=%s terminal=ssh res=failed'" % (pid, SSHD, acct, ip, ip), 'UID="root" AUID="unset"')
        elif r < 0.99:
            rec("USER_AUTH", "pid=%d uid=0 auid=4294967295 ses=4294967295 subj=%s msg='op=PAM:authentication grantors=pam_unix acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=%s addr=%s terminal=ssh res=success'" % (pid, SSHD, ip, ip), 'UID="root" AUID="unset"')
            rec("CRED_ACQ", "pid=%d uid=0 auid=4294967295 ses=4294967295 subj=%s msg='op=PAM:setcred grantors=pam_unix acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=%s addr=%s terminal=ssh res=success'" % (pid, SSHD, ip, ip), 'UID="root" AUID="unset"')
            rec("USER_LOGIN", "pid=%d uid=0 auid=1000 ses=7 subj=%s msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=%s terminal=/dev/pts/0 res=success'" % (pid, SSHD, ip), 'UID="root" AUID="alice" ID="alice"')
        else:
            rec("USER_CMD", "pid=%d uid=1000 auid=1000 ses=7 subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 msg='cwd=\"/home/alice\" cmd=%s exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'" % (pid, hexs("systemctl restart nginx")), 'UID="alice" AUID="alice"')
            rec("SYSCALL", "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1 pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm=\"systemctl\" exe=\"/usr/bin/systemctl\" subj=x key=\"privileged\"" % pid, 'ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root"')
            rec("EXECVE", "argc=3 a0=\"systemctl\" a1=\"restart\" a2=\"nginx\"")
            rec("PROCTITLE", "proctitle=%s" % hexs("systemctl\0restart\0nginx"))
PY
BYTES=$(stat -c %s "$LOG")
echo "audit log: $BYTES bytes ($LOG)"; uptime

cpu() { # prints "cpu_seconds max_rss_kb" of one run of "$@" (output discarded)
    /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" >/dev/null 2>&1 || true
    awk '{printf "%.3f %d\n", $1 + $2, $3}' "$TMP/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: > "$TMP/a"; : > "$TMP/b"
for _ in $(seq "$REPEAT"); do
    cpu "$BIN" --jobs 1 --json "$LOG" >> "$TMP/a"
    cpu aureport -au --failed -if "$LOG" >> "$TMP/b"
done
A=$(cut -d' ' -f1 "$TMP/a" | median); B=$(cut -d' ' -f1 "$TMP/b" | median)
AM=$(cut -d' ' -f2 "$TMP/a" | median); BM=$(cut -d' ' -f2 "$TMP/b" | median)
awk -v a="$A" -v b="$B" -v n="$BYTES" -v am="$AM" -v bm="$BM" 'BEGIN {
    printf "ferret authlog --json : %.3f s CPU  %.1f MB/s  %d KB peak\n", a, n / 1e6 / a, am
    printf "aureport -au --failed : %.3f s CPU  %.1f MB/s  %d KB peak\n", b, n / 1e6 / b, bm
    printf "ratio (aureport CPU / ferret CPU): %.2f\n", b / a }'
# Same failed authentications.
AU=$(aureport -au --failed -if "$LOG" | grep -c ' no ' || true)
FE=$("$BIN" --jobs 1 --json "$LOG" | python3 -c 'import json,sys; print(sum(s["failures"] for s in json.load(sys.stdin)["sources"]))')
echo "failed authentications: aureport $AU, ferret $FE"
[ "$AU" = "$FE" ] || { echo "MISMATCH" >&2; exit 1; }
