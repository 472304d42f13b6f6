#!/usr/bin/env bash
# ferret-proc beside ps, ss and lsof on the same loaded host, same run.
#
#   benches/compare-proc.sh [RUNS] [PROCS] [SOCKETS]
#
# Starts PROCS (default 2000) extra `sleep` processes and SOCKETS (default 5000) extra TCP
# sockets on 127.0.0.1 only (one Python process holding SOCKETS/2 connected pairs), all bounded
# (sleep 600, the socket holder exits after 600 s) and killed on exit. Then times, best of RUNS
# (default 5), warm:
#   snapshot      `procs list` (full snapshot: ids, cmdline, exe+deleted check, cwd, root, ns,
#                 cgroup, environ vars)         vs `ps -eo pid,ppid,uid,comm,args`
#   sockets       `procs sockets --inet` (TCP+UDP with owning pids)  vs `ss -tanup`
#   all sockets   `procs sockets` (also raw and Unix)               vs `ss -tanup`
#   list+sockets  `procs list+sockets`  vs `ps -ef` + `ss -tanup` + `lsof -i -n -P`
# and prints the ratios (theirs / ours: above 1 means ferret is faster; wall clock of the fastest
# run, with that run's CPU time, user+sys, beside it), the load average, and a last line with
# the three targets of issue #5 and whether each is met.
set -euo pipefail
RUNS=${1:-5}
NPROC=${2:-2000}
NSOCK=${3:-5000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
for t in ps ss lsof python3 bc; do command -v "$t" >/dev/null || { echo "missing $t"; exit 2; }; done
cargo build --release -q -p ferret --no-default-features --features proc,serde --example procs --manifest-path "$HERE/Cargo.toml"
BIN=$CARGO_TARGET_DIR/release/examples/procs

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

echo "starting $NPROC sleep processes and $NSOCK loopback TCP sockets..."
for _ in $(seq "$NPROC"); do sleep 600 & PIDS+=($!); done
python3 - "$NSOCK" <<'PY' &
import resource, socket, sys, time
n = int(sys.argv[1]) // 2
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * n + 64)), hard))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(4096)
keep = []
for _ in range(n):
    c = socket.create_connection(srv.getsockname()); a, _ = srv.accept(); keep += [c, a]
print("sockets ready", len(keep), flush=True)
time.sleep(600)
PY
PIDS+=($!)
for _ in $(seq 120); do
    [ "$(ss -tan state established '( sport >= 0 )' 2>/dev/null | wc -l)" -ge "$NSOCK" ] && break
    sleep 0.5
done
echo "processes: $(ps -e --no-headers | wc -l)  tcp sockets: $(ss -tan | wc -l)"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"

best() { # "wall cpu" of the fastest of RUNS runs of a shell command (cpu: user+sys, children)
    local b="" bc="" t
    for _ in $(seq "$RUNS"); do
        t=$( { TIMEFORMAT='%R %U %S'; time bash -c "$1" >/dev/null 2>&1; } 2>&1 | tail -1) || true
        set -- "$1" $t
        if [ -z "$b" ] || [ "$(echo "$2 < $b" | bc)" = 1 ]; then
            b=$2
            bc=$(echo "$3 + $4" | bc)
        fi
        set -- "$1"
    done
    echo "$b $bc"
}
declare -A RATIO
row() { # name ours theirs
    local o t
    read -r o oc < <(best "$2")
    read -r t tc < <(best "$3")
    RATIO[$1]=$(echo "$t / $o" | bc -l)
    printf '%-13s ferret %7.3fs (cpu %6.3fs)   %-40s %7.3fs (cpu %6.3fs)   ratio %5.2fx (cpu %5.2fx)\n' \
        "$1" "$o" "$oc" "${3:0:40}" "$t" "$tc" "${RATIO[$1]}" "$(echo "$tc / $oc" | bc -l)"
}
verdict() { # name comparison threshold
    if [ "$(echo "${RATIO[$1]} $2 $3" | bc -l)" = 1 ]; then echo met; else echo MISSED; fi
}
# warm-up
"$BIN" list >/dev/null; ps -ef >/dev/null; ss -tanup >/dev/null; lsof -i -n -P >/dev/null 2>&1 || true
row snapshot "$BIN list" "ps -eo pid,ppid,uid,comm,args"
row sockets "$BIN sockets --inet" "ss -tanup"
row all-sockets "$BIN sockets" "ss -tanup"
row list+sockets "$BIN list+sockets" "ps -ef; ss -tanup; lsof -i -n -P"
"$BIN" sockets --inet 2>&1 >/dev/null | tail -1
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# The three targets of issue #5 (wall-clock ratios, theirs / ours, same run).
printf 'issue #5 targets: snapshot %.2fx (> 1: %s)   sockets %.2fx (>= 2: %s)   list+sockets %.2fx (> 1: %s)\n' \
    "${RATIO[snapshot]}" "$(verdict snapshot '>' 1)" "${RATIO[sockets]}" "$(verdict sockets '>=' 2)" \
    "${RATIO[list+sockets]}" "$(verdict list+sockets '>' 1)"
