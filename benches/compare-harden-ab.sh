#!/usr/bin/env bash
# Two builds of the `harden` example side by side on this live machine (before/after a change),
# alternating A B A B, warm cache: median CPU time (user+sys) and wall time of RUNS runs each,
# for the full audit and for `--only persistence`; then instruction counts of one
# `--only persistence` and one `--only files` run of each under callgrind (load-independent;
# the file walk's count moves a little with the files on the machine between the runs), when
# valgrind is there.
#
#   benches/compare-harden-ab.sh A_BIN B_BIN [RUNS]
#
# Build the two binaries with the bench profile (no fat LTO; cargo writes it to target/release), e.g.
#   git checkout --detach BASE && cargo build --profile bench --example harden \
#     && cp target/release/examples/harden /tmp/harden-a && git checkout - \
#     && cargo build --profile bench --example harden && cp target/release/examples/harden /tmp/harden-b
set -euo pipefail
A=$1
B=$2
RUNS=${3:-7}
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferret-harden-ab.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

one() { # label bin args... -> appends "cpu wall" to $TMP/label
    local label=$1
    shift
    /usr/bin/time -f '%U %S %e' -o "$TMP/t" "$@" >/dev/null 2>&1 || true
    awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$TMP/t" >>"$TMP/$label"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

for args in "--json" "--json --only persistence"; do
    key=$(echo "$args" | tr -c 'a-z' '_')
    # warm-up, untimed
    "$A" $args >/dev/null 2>&1 || true
    "$B" $args >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        one "a$key" "$A" $args
        one "b$key" "$B" $args
    done
    ac=$(cut -d' ' -f1 "$TMP/a$key" | median)
    bc_=$(cut -d' ' -f1 "$TMP/b$key" | median)
    aw=$(cut -d' ' -f2 "$TMP/a$key" | median)
    bw=$(cut -d' ' -f2 "$TMP/b$key" | median)
    printf 'harden %-26s A cpu %ss wall %ss | B cpu %ss wall %ss | B/A cpu %.3f\n' \
        "$args" "$ac" "$aw" "$bc_" "$bw" "$(echo "$bc_ / $ac" | bc -l)"
done
if command -v valgrind >/dev/null 2>&1; then
    for only in persistence files; do
        for x in A B; do
            bin=$A
            [ "$x" = B ] && bin=$B
            valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$x" "$bin" --json --only "$only" \
                >/dev/null 2>"$TMP/vg.$x" || true
            echo "instructions ($x, --only $only): $(grep -o 'Collected : [0-9]*' "$TMP/vg.$x" | grep -o '[0-9]*')"
        done
    done
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
