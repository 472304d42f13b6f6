#!/bin/sh
# Side by side: `accounts audit` (ferret) and `pwck -r` + `grpck -r` (shadow-utils) on the same
# root, same checks (syntax, cross-file, home and shell existence). Needs root for pwck -R.
#   benches/compare-accounts.sh [ROOT]     default: a generated root with $USERS users (5000)
# Then the issue's target, in the same run: parse + audit of the generated 100k-user host
# (ferret_testkit::accounts) must take under 50 ms (criterion, wall; CPU ms beside it).
# pwck/grpck compare every entry with every other entry: their time grows with the square of
# the number of accounts, so keep USERS modest.
set -eu
USERS=${USERS:-5000}
cargo build --release --example accounts >/dev/null 2>&1 || cargo build --release --example accounts
BIN=${CARGO_TARGET_DIR:-target}/release/examples/accounts
ROOT=${1:-}
if [ -z "$ROOT" ]; then
    ROOT=$(mktemp -d)
    trap 'rm -rf "$ROOT"' EXIT
    mkdir -p "$ROOT/etc"
    awk -v n="$USERS" 'BEGIN {
        print "root:x:0:0:root:/root:/bin/bash" > "'"$ROOT"'/etc/passwd";
        print "root:*:19000:0:99999:7:::" > "'"$ROOT"'/etc/shadow";
        print "root:x:0:" > "'"$ROOT"'/etc/group";
        print "root:*::" > "'"$ROOT"'/etc/gshadow";
        for (i = 0; i < n; i++) {
            u = sprintf("u%06d", i); id = 10000 + i;
            printf "%s:x:%d:%d:User %d:/home/%s:/bin/bash\n", u, id, id, i, u >> "'"$ROOT"'/etc/passwd";
            printf "%s:$y$j9T$salt%d$hashhashhashhashhashhash:19000:0:99999:7:::\n", u, i >> "'"$ROOT"'/etc/shadow";
            printf "%s:x:%d:\n", u, id >> "'"$ROOT"'/etc/group";
            printf "%s:!::\n", u >> "'"$ROOT"'/etc/gshadow";
        }
    }'
fi
echo "load: $(uptime)"
t0=$(date +%s%N); "$BIN" audit --root "$ROOT" --json >/dev/null || true; t1=$(date +%s%N)
pwck -r -R "$ROOT" >/dev/null 2>&1 || true; grpck -r -R "$ROOT" >/dev/null 2>&1 || true; t2=$(date +%s%N)
f=$(( (t1 - t0) / 1000000 )); p=$(( (t2 - t1) / 1000000 ))
echo "ferret accounts audit: ${f} ms; pwck -r + grpck -r: ${p} ms; ratio $(awk "BEGIN{printf \"%.1f\", $p/($f>0?$f:1)}")x"
echo "100k users (target: parse + audit < 50 ms):"
cargo bench --bench accounts -- --warm-up-time 1 --measurement-time 5 'accounts/(parse|audit|parse\+audit)-100k' 2>/dev/null |
    grep -E '^accounts|time:' | sed 's/^  */    /'
