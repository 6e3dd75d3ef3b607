#!/usr/bin/env bash
# Builds the runtime benchmarks (bench_run_opt, bench_run_sched, bench_run_scan
# and the dckpt CLI), prints the machine facts that docs/performance.md asks
# for, then runs perf/bench_run.py, which prints the "Runtime" section's
# tables (markdown) with a PASS/FAIL line per target.
#
# usage: perf/bench_run.sh [--build-dir DIR] [bench_run.py options...]
#   default build dir: build-brun (relative to the repository). Options after
#   it go to bench_run.py (--sections, --reps, --max-load, --raw, ...; see
#   perf/bench_run.py --help).
# Takes about 15 minutes on 2 cores; waits for a quiet machine before each
# section (load average below 0.5 by default, at most 5 minutes).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$here/build-brun"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ "${1:-}" == "--build-dir" ]]; then
  build=$(realpath -m "$2")
  shift 2
fi
cd "$here"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" \
  --target bench_run_opt bench_run_sched bench_run_scan dckpt-cli >/dev/null

echo "## Machine"
echo
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "- RAM: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "- kernel: $(uname -sr); $(. /etc/os-release && echo "$PRETTY_NAME")"
mkdir -p "$build/bench-run"
read -r dev fstype <<<"$(df -T "$build/bench-run" | awk 'NR == 2 {print $1, $2}')"
echo "- file system of the run directories: $fstype on $dev ($(awk -v d="$dev" '$1 == d {print $4; exit}' /proc/mounts))"
echo "- MPI: $(mpirun --version 2>/dev/null | head -1)"
echo "- compiler: $(cc --version | head -1); build type Release"
echo "- python (baseline): $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])')"
echo "- commit: $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- src include 2>/dev/null || echo ' (src/ or include/ modified)')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

exec /usr/bin/python3 "$here/perf/bench_run.py" --build-dir "$build" "$@"
