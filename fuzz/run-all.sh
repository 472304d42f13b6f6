#!/bin/sh
# The fuzz campaign: runs the targets with debug assertions and overflow checks on, a memory cap
# and a per-input timeout, records every run in a ledger and prints executions, coverage and
# crashes per target. New inputs go to fuzz/work/<target>/ (not committed); the committed corpus
# fuzz/corpus/<target>/ is only read. A crash leaves its input in fuzz/artifacts/<target>/.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]   one round: each target (default: all) SECONDS (60)
#   fuzz/run-all.sh campaign [TARGET...]    rounds until every target has GOAL executions in
#                                           the ledger (or TOTAL seconds are spent)
#   fuzz/run-all.sh totals [TARGET...]      the ledger's totals per target
#
# Environment:
#   SANITIZER  none (default): no sanitizer, release optimisation, debug assertions and overflow
#              checks (`cargo fuzz build -s none -a`). Every ferret crate forbids unsafe code, so
#              ASan mostly costs time (2-3x); address: ASan (`-s address -a`), for the unsafe
#              code of the dependencies. The two builds live side by side (fuzz/target/ and
#              fuzz/target/asan/) and the ledger says which build each run used.
#   JOBS       targets run side by side (1)
#   RSS_MB     -rss_limit_mb (2048);  TIMEOUT  -timeout in seconds per input (10)
#   GOAL       executions per target, summed over the ledger (10000000)
#   ROUND      seconds per target and round in campaign mode (300)
#   TOTAL      campaign mode stops starting rounds after this many seconds (0: no limit)
#   BUILD      0: use the binaries as they are (no `cargo fuzz build`)
#
# The ledger, fuzz/work/ledger.tsv (not committed), has one line per run: UTC date, commit
# (`+` when crates/ or fuzz/ differ from it), build, target, wall seconds, CPU seconds,
# executions, cov, ft, corpus size, crashes. A target with a crash, leak, timeout or
# out-of-memory input in fuzz/artifacts/<target>/ is left out of the campaign until the input
# is dealt with (fixed, added to the committed corpus as a regression seed, then removed).
#
# Continue the campaign in the background, at low priority, from the repository:
#   BUILD=0 JOBS=2 setsid nohup nice -n 19 fuzz/run-all.sh campaign >fuzz/work/campaign.log 2>&1 &
#
# Needs cargo-fuzz, a nightly or RUSTC_BOOTSTRAP=1 (set here), and GNU time for CPU seconds.
set -u
cd "$(dirname "$0")" || exit 2
self="$PWD/$(basename "$0")"
export RUSTC_BOOTSTRAP=1
san=${SANITIZER:-none}
case $san in
none) tdir=target ;;
address) tdir=target/asan ;;
*) echo "SANITIZER is none or address" >&2; exit 2 ;;
esac
host=$(rustc -vV | sed -n 's/^host: //p')
bin="$tdir/$host/release"
ledger=work/ledger.tsv
goal=${GOAL:-10000000}
mkdir -p work

# Per-target -max_len. None is set: libFuzzer's default (the largest seed, at least 4096 bytes)
# stays for every target. Measured (fuzz build, the largest seed repeated 1, 8 and 64 times),
# every target's cost per input is linear in its length or less once the sudoers audit was
# fixed (it was quadratic), so a cap buys no more than shorter inputs do by themselves; and a
# cap under the largest seed would truncate the seeds that are whole real files (sudo's grammar
# cases, journal files, rpm databases, SQLite files, utmp records), losing their coverage.
# The slow targets are slow per input, not per byte: logs_analyze_parallel starts three threads
# per input; accounts_passwd and accounts_diff run a whole audit (every check over four files);
# harden_sshd_config resolves and dumps every option for two connections; baseline_load loads
# three times (plain, round trip, sealed).
# Where an input's time went, and what was fixed in the library (h-fuzzcost; CPU seconds of
# `-runs=5000 -seed=1` over a copy of the committed corpus, fuzz build, under load; callgrind
# instructions where given): logs_analyze_parallel zeroed a 4 MiB block buffer per input (the
# freed block comes back from the heap and calloc clears it), now grown from 64 KiB: 6.87 ->
# 4.62 s, 4.21G -> 2.01G instructions for -runs=500; accounts_sudoers' lexer tried ~30 keyword
# compares per token (memcmp is intercepted by libFuzzer), now only for a first byte that can
# start one: 5.46 -> 3.58 s, 7.96G -> 6.39G for -runs=1000; harden_sshd_config's dump looked
# each keyword up by name (quadratic in the table) and cloned its values: 1.98 -> 1.04 s;
# logins_utmp zeroed 256 KiB per reader without a size hint (the forced layouts): 1.10G ->
# 0.87G for -runs=300. logs_audit: an EXECVE record looked each argument up by a scan of the
# record (quadratic: 200 records of argc=1024 took 22.5 s of CPU per input, now 0.28 s); the
# corpus itself is unchanged (3.13 -> 3.04 s). What remains per input: the line reader of
# ferret-logs zeroes 1 MiB per file (analyze/lines.rs, ~1M instructions, 21% of logs_audit,
# the same in logs_analyze; left to the line-path work), scan_webshell's regex set runs over
# the input (compiled once), harden_startup's shared command classifier (memmem per rule),
# accounts_passwd's audit and escaping; baseline_load and baseline_glob are cheap on the
# committed corpus (< 0.05 ms per input) and were not profiled further.
max_len() {
    case $1 in
    *) echo "" ;;
    esac
}

# Extra libFuzzer flags per target and build.
extra_flags() {
    # The parallel pipeline starts threads for every input: LeakSanitizer sees their stacks.
    [ "$san" = address ] && [ "$1" = logs_analyze_parallel ] && echo "-detect_leaks=0"
    :
}

commit() {
    c=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -n "$(git status --porcelain -- ../crates . 2>/dev/null | grep -v ' fuzz/work/')" ] && c="$c+"
    echo "$c"
}

pending() { # crash-like inputs not dealt with
    ls "artifacts/$1" 2>/dev/null | grep -cE '^(crash|leak|timeout|oom)-'
}

# run_one TARGET SECONDS [RUNS]: one libFuzzer process; appends to the ledger, prints a line.
run_one() {
    t=$1 secs=$2 runs=${3:-}
    mkdir -p "work/$t" "artifacts/$t"
    log="work/$t.log"
    before=$(pending "$t")
    ml=$(max_len "$t")
    # shellcheck disable=SC2046
    if command -v /usr/bin/time >/dev/null; then
        set -- /usr/bin/time -o "work/$t.time" -f '%U %S'
    else
        set --
        echo "- -" >"work/$t.time"
    fi
    start=$(date +%s)
    "$@" "$bin/$t" -artifact_prefix="$PWD/artifacts/$t/" \
        -max_total_time="$secs" -rss_limit_mb="${RSS_MB:-2048}" -timeout="${TIMEOUT:-10}" \
        -print_final_stats=1 ${ml:+-max_len=$ml} ${runs:+-runs=$runs} $(extra_flags "$t") \
        "work/$t" "corpus/$t" >"$log" 2>&1
    wall=$(($(date +%s) - start))
    cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ {printf "%.2f", $1 + $2; ok = 1} END {if (!ok) print "-"}' "work/$t.time")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -aE '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corpus=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
    crashes=$(($(pending "$t") - before))
    # A run that died without final stats (a crash) still executed: count what it printed.
    [ -z "$execs" ] && execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "$(commit)" "$san" "$t" "$wall" "$cpu" "${execs:-0}" "${cov:--}" "${ft:--}" \
        "${corpus:--}" "$crashes" >>"$ledger"
    rate=$(awk -v e="${execs:-0}" -v s="$wall" 'BEGIN {r = e; if (s + 0 > 0) r = e / s; printf "%d", r}')
    printf '%-24s %12s %9s %7s %7s %7s %s\n' "$t" "${execs:-0}" "$rate" "${cov:--}" "${ft:--}" \
        "${corpus:--}" "$crashes"
    [ "$crashes" -eq 0 ]
}

# The ledger's totals: target, executions, wall s, CPU s, last cov, crashes, builds.
sums() {
    [ -f "$ledger" ] || return 0
    awk -F'\t' 'NR > 1 {e[$4] += $7; w[$4] += $5; c[$4] += ($6 == "-" ? 0 : $6); cov[$4] = $8;
        k[$4] += $11; if (index(b[$4], $3) == 0) b[$4] = b[$4] (b[$4] ? "," : "") $3}
        END {for (t in e) printf "%s %d %d %.0f %s %d %s\n", t, e[t], w[t], c[t], cov[t], k[t], b[t]}' \
        "$ledger"
}

total_of() {
    sums | awk -v t="$1" '$1 == t {print $2; f = 1} END {if (!f) print 0}'
}

totals() {
    printf '%-24s %12s %7s %11s %11s %7s %7s %-12s %s\n' target executions goal% exec/wall-s \
        exec/cpu-s cov crashes build "cpu-hours to goal"
    sums | sort | awk -v g="$goal" -v only=" $* " '
        only == "  " || index(only, " " $1 " ") {
            r = $3 > 0 ? $2 / $3 : 0; rc = $4 > 0 ? $2 / $4 : 0
            left = g - $2; eta = left <= 0 ? "done" : (rc > 0 ? sprintf("%.1f", left / rc / 3600) : "?")
            printf "%-24s %12d %6.1f%% %11d %11d %7s %7d %-12s %s\n", $1, $2, 100 * $2 / g, r, rc, $5, $6, $7, eta
            n += $2; if ($2 < g) under++
        }
        END {printf "%d executions in all; %d target(s) under %d\n", n, under, g}'
}

build() {
    [ "${BUILD:-1}" = 0 ] && return 0
    flags="-s $san -a"
    [ "$san" = address ] && flags="$flags --target-dir $tdir"
    # shellcheck disable=SC2086
    cargo fuzz build $flags >/dev/null || exit 2
}

header() {
    [ -f "$ledger" ] || printf 'date\tcommit\tbuild\ttarget\twall_s\tcpu_s\texecutions\tcov\tft\tcorpus\tcrashes\n' >"$ledger"
    printf '%-24s %12s %9s %7s %7s %7s %s\n' target executions exec/s cov ft corpus crashes
}

# run_many SECONDS TARGET...: JOBS at a time; fails if any crashed. With GOAL_RUNS=1 a target
# stops when it reaches the goal.
run_many() {
    secs=$1
    shift
    printf '%s\n' "$@" | xargs -P "${JOBS:-1}" -I{} sh "$self" _one {} "$secs"
}

case ${1:-} in
_one)
    runs=""
    if [ "${GOAL_RUNS:-0}" = 1 ]; then
        runs=$((goal - $(total_of "$2")))
        [ "$runs" -lt 1 ] && exit 0
    fi
    run_one "$2" "$3" $runs
    ;;
totals)
    shift
    totals "$@"
    ;;
campaign)
    shift
    build
    targets=${*:-$(ls fuzz_targets | sed 's/\.rs$//')}
    start=$(date +%s)
    round=0
    while :; do
        todo=""
        for t in $targets; do
            if [ "$(pending "$t")" -gt 0 ]; then
                echo "$t: crash inputs in artifacts/$t/ (left out until dealt with)"
                continue
            fi
            [ "$(total_of "$t")" -lt "$goal" ] && todo="$todo $t"
        done
        [ -z "$todo" ] && break
        secs=${ROUND:-300}
        if [ "${TOTAL:-0}" -gt 0 ]; then
            left=$((TOTAL - ($(date +%s) - start)))
            [ "$left" -le 0 ] && break
            n=$(echo $todo | wc -w)
            per=$((left * ${JOBS:-1} / n))
            [ "$per" -lt "$secs" ] && secs=$per
            [ "$secs" -lt 10 ] && secs=10
        fi
        round=$((round + 1))
        echo "round $round, $(date -u +%H:%M:%S) UTC: $(echo $todo | wc -w) target(s) under $goal, up to $secs s each"
        header
        # shellcheck disable=SC2086
        GOAL_RUNS=1 run_many "$secs" $todo
        totals $targets
    done
    totals $targets
    ;;
*)
    secs=${1:-60}
    [ $# -gt 0 ] && shift
    build
    header
    status=0
    # shellcheck disable=SC2046
    run_many "$secs" ${*:-$(ls fuzz_targets | sed 's/\.rs$//')} || status=1
    exit $status
    ;;
esac
