#!/bin/sh
# Side by side, in one run on the same tree: `visudo -c -f` (sudo's own parser and checks) and
# `accounts sudoers --root` (ferret: parse, checks and audit) on a policy of 10,000 rules in
# /etc/sudoers and 50 relative @includes (the shape benches/sudoers.rs generates). Runs on a
# temporary copy only; visudo may need root.
#   benches/compare-sudoers.sh
set -eu
cd "$(dirname "$0")/.."
cargo build --profile bench --example accounts >/dev/null 2>&1 || cargo build --profile bench --example accounts
BIN=${CARGO_TARGET_DIR:-target}/release/examples/accounts
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-target}/bench/examples/accounts
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/etc/sudoers.inc"
printf 'root:x:0:0::/root:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\n' > "$ROOT/etc/group"
{
    printf 'Defaults env_reset\nDefaults secure_path="/usr/sbin:/usr/bin:/sbin:/bin"\nroot ALL=(ALL:ALL) ALL\n'
    for f in $(seq 0 49); do printf '@include sudoers.inc/f%02d\n' "$f"; done
} > "$ROOT/etc/sudoers"
for f in $(seq 0 49); do
    awk -v f="$f" 'BEGIN {
        printf "Cmnd_Alias C%d = /usr/bin/id, /usr/bin/who, /bin/ls -l /var/log/f%d\n", f, f;
        for (r = 0; r < 200; r++)
            printf "u%d_%d ALL = (root) NOPASSWD: C%d, /usr/bin/systemctl restart svc%d\n", f, r, f, r;
    }' > "$ROOT/etc/sudoers.inc/$(printf 'f%02d' "$f")"
done
chmod -R go-w "$ROOT/etc"
t() { # best of 5, wall seconds
    best=
    for _ in 1 2 3 4 5; do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
        d=$(echo "$e - $s" | bc)
        if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
    done
    echo "$best"
}
V=$(t visudo -c -f "$ROOT/etc/sudoers")
F=$(t "$BIN" sudoers --root "$ROOT" --json)
echo "visudo -c -f:                 ${V}s"
echo "accounts sudoers --root:      ${F}s"
echo "ratio ferret/visudo:          $(echo "scale=2; $F / $V" | bc)"
