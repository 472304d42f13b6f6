#!/usr/bin/env bash
# Compare ferret's native journal reader with the real journalctl on the same journal file,
# same run, warm cache. The journal is written by systemd-journal-remote from an auth log
# (default: the first ENTRIES lines of LOG, each line one entry with the fields journald
# stores for sshd: _HOSTNAME, SYSLOG_IDENTIFIER, SYSLOG_PID, _PID, _COMM, PRIORITY, ...), in
# a temporary directory (removed at exit). It also checks that the analysis of the journal
# equals the analysis of the same lines as a plain file (events, sources, findings with
# their evidence line numbers).
#
#   LOG=/path/auth.log benches/compare-journal.sh [ENTRIES]     (default 300000)
#
# Needs: systemd-journal-remote, journalctl, python3, GNU time.
set -euo pipefail
: "${LOG:?set LOG to an RFC 3164 auth log (e.g. one made by benches/compare-logs.sh with KEEP=1)}"
ENTRIES=${1:-300000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-journal-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
REMOTE=/usr/lib/systemd/systemd-journal-remote

cargo build --release -q -p ferret --example authlog --manifest-path "$HERE/Cargo.toml"
BIN=$CARGO_TARGET_DIR/release/examples/authlog

head -n "$ENTRIES" "$LOG" > "$TMP/auth.log"
python3 - "$TMP/auth.log" "$TMP/export" <<'PY'
import calendar, re, struct, sys
mon = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
rx = re.compile(rb"(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([^\[:]+)(?:\[(\d+)\])?: (.*)")
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for n, line in enumerate(f):
        m = rx.match(line.rstrip(b"\n"))
        if not m:
            sys.exit(f"line {n + 1} is not RFC 3164")
        mo, d, H, M, S, host, prog, pid, msg = m.groups()
        t = calendar.timegm((2024, mon[mo.decode()], int(d), int(H), int(M), int(S)))
        e = b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (t * 1000000, n + 1)
        e += b"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=%s\nSYSLOG_IDENTIFIER=%s\n" % (host, prog)
        if pid:
            e += b"SYSLOG_PID=%s\n_PID=%s\n" % (pid, pid)
        e += b"_COMM=%s\nPRIORITY=6\nSYSLOG_FACILITY=10\n_TRANSPORT=syslog\n_UID=0\n" % prog
        if all(32 <= c < 127 for c in msg):
            e += b"MESSAGE=" + msg + b"\n\n"
        else:
            e += b"MESSAGE\n" + struct.pack("<Q", len(msg)) + msg + b"\n\n"
        out.write(e)
PY
"$REMOTE" -o "$TMP/system.journal" - < "$TMP/export" 2>/dev/null
ls -l "$TMP"/*.journal
uptime

t() { /usr/bin/time -f '%U %S %M' "$@" 2> "$TMP/time" > "$TMP/out" || true; read -r u s m < <(tail -1 "$TMP/time"); echo "$u $s $m"; }
read -r fu fs fm < <(t "$BIN" --jobs 1 --json "$TMP/system.journal")
cp "$TMP/out" "$TMP/journal.json"
read -r ju js jm < <(t sh -c "journalctl --file '$TMP/system.journal' -o json --no-pager > /dev/null")
read -r gu gs gm < <(t sh -c "journalctl --file '$TMP/system.journal' --no-pager | grep -c 'Failed password'")
"$BIN" --jobs 1 --json --year 2024 "$TMP/auth.log" > "$TMP/plain.json" || true
python3 - "$TMP/journal.json" "$TMP/plain.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda fs: [(f["id"], f["subject"], f["severity"], [e.get("line") for e in f.get("evidence", [])]) for f in fs]
same = all(a[k] == b[k] for k in ("lines", "events", "sources", "window")) and strip(a["findings"]) == strip(b["findings"])
print(f"journal analysis == plain-file analysis: {same} ({a['lines']} entries, {len(a['findings'])} findings)")
sys.exit(0 if same else 1)
PY
awk -v n="$ENTRIES" -v fu="$fu" -v fs="$fs" -v fm="$fm" -v ju="$ju" -v js="$js" -v gu="$gu" -v gs="$gs" 'BEGIN {
  f = fu + fs; j = ju + js; g = gu + gs;
  printf "ferret authlog --jobs 1 (read + detect): %.2f s CPU, %.0f entries/s, peak RSS %d KB\n", f, n / f, fm;
  printf "journalctl -o json > /dev/null:          %.2f s CPU  (ferret %.1fx faster)\n", j, j / f;
  printf "journalctl | grep -c Failed password:    %.2f s CPU  (ferret %.1fx faster)\n", g, g / f;
}'
