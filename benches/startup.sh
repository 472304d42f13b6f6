#!/usr/bin/env bash
# The static responder binary's size (stripped) and `--help` start-up: the median of RUNS runs
# of wall time and of CPU time (user + system, from wait4), measured by spawning the binary
# directly (no shell in between).
#
#   .ci/build-static release && bash benches/startup.sh [BIN] [RUNS]
#   (defaults: target/ferret-static, 500 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/ferret-static}
runs=${2:-500}
echo "binary: $bin, $(stat -c %s "$bin") bytes; $(file -b "$bin" | cut -d, -f1-2)"
echo "load: $(uptime | sed 's/.*load average: //')"
python3 - "$bin" "$runs" <<'PY'
import os, statistics, sys, time
binary, runs = sys.argv[1], int(sys.argv[2])
null = os.open(os.devnull, os.O_WRONLY)
walls, cpus = [], []
for _ in range(runs):
    t = time.perf_counter()
    pid = os.posix_spawn(binary, [binary, "--help"], os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    _, status, ru = os.wait4(pid, 0)
    walls.append(time.perf_counter() - t)
    cpus.append(ru.ru_utime + ru.ru_stime)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{binary} --help failed")
ms = lambda xs: statistics.median(xs) * 1000
print(f"--help, {runs} runs: median wall {ms(walls):.2f} ms (min {min(walls)*1000:.2f}, "
      f"p90 {sorted(walls)[int(runs*0.9)]*1000:.2f}), median CPU {ms(cpus):.2f} ms")
PY
