#!/usr/bin/env bash
# Builds bench_store, prints the machine facts that docs/performance.md asks
# for, then runs bench_store with the Python ancestor side by side.
#
# usage: perf/run_store_bench.sh [--build-dir DIR] [bench_store options...]
#   default build dir: build-perf (relative to the repository); default
#   bench_store options: --dir BUILD_DIR/bench-tmp --drop-caches
#   --ancestor perf/baselines/ancestor_baseline.py. Options given are appended, so a
#   repeated option (e.g. --dir) overrides the default. bench_store runs from
#   the repository root, so its relative paths start there; --build-dir is
#   taken relative to the current directory.
# Cold-cache loads need root (writes /proc/sys/vm/drop_caches); without it
# bench_store says so and measures warm loads only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$here/build-perf"
if [[ "${1:-}" == "--build-dir" ]]; then
  build=$(realpath -m "$2")
  shift 2
fi
python=/usr/bin/python3
cd "$here"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_store >/dev/null

echo "## Machine"
echo
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "- RAM: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "- kernel: $(uname -sr)"
dir="$build/bench-tmp"
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--dir" ]]; then j=$((i + 1)); dir=${!j}; fi
done
mkdir -p "$dir"
read -r dev fstype <<<"$(df -T "$dir" | awk 'NR == 2 {print $1, $2}')"
echo "- file system of $dir: $fstype on $dev, mount options: $(awk -v d="$dev" '$1 == d {print $4; exit}' /proc/mounts)"
if [[ "$fstype" == ext4 ]]; then
  name=$(basename "$dev")
  if [[ -r /sys/fs/ext4/$name/journal_task ]]; then
    echo "- ext4 journal thread: $(cat "/sys/fs/ext4/$name/journal_task")"
  fi
fi
echo "- compiler: $(cc --version | head -1)"
echo "- zstd: $(dpkg-query -W -f='${Version}' libzstd1 2>/dev/null || echo '?');" \
  "python: $($python -c 'import sys; print(sys.version.split()[0])');" \
  "numpy: $($python -c 'import numpy; print(numpy.__version__)');" \
  "python-zstandard: $($python -c 'import zstandard; print(zstandard.__version__)')"
echo

exec "$build/perf/bench_store" --dir "$build/bench-tmp" --drop-caches \
  --ancestor perf/baselines/ancestor_baseline.py --python "$python" "$@"
