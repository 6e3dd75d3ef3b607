#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   1. strict build (-Werror) + ctest
#   2. ASan+UBSan build + ctest
#   3. libFuzzer targets (clang), each for a short while
# Usage: scripts/test.sh [--quick]   (--quick: step 1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)
fuzz_seconds=${DCKPT_FUZZ_SECONDS:-30}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

bash scripts/install-deps.sh

section() { printf '\n==== %s ====\n' "$*"; }

section "strict build"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDCKPT_WERROR=ON >/dev/null
cmake --build build-test -j "$jobs"
section "tests"
(cd build-test && ctest --output-on-failure -j "$jobs")
[ "$quick" = 1 ] && exit 0

section "ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDCKPT_WERROR=ON -DDCKPT_SANITIZE=ON \
  -DDCKPT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
section "tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")

section "fuzzing (${fuzz_seconds}s per target)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDCKPT_FUZZ=ON -DDCKPT_SANITIZE=ON \
  -DDCKPT_BUILD_TESTS=ON -DDCKPT_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_targets
for target in build-fuzz/tests/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$root/build-fuzz/corpus-$name"
  mkdir -p "$corpus"
  echo "-- $name"
  # The first directory collects new inputs; the checked-in seeds are read only.
  "$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 "$corpus" "$root/fuzz/corpus_${name#fuzz_}" >"$corpus.log" 2>&1 ||
    { tail -n 40 "$corpus.log"; echo "fuzzer $name found a problem"; exit 1; }
  grep -E "^(Done|stat::number_of_executed_units)" "$corpus.log" || tail -n 3 "$corpus.log"
done
section "all tests passed"
