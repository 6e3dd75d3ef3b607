#!/usr/bin/env bash
# The main job: install what is missing, build dckpt (Release, in build/), and
# run the quickstart benchmark campaign with 4 MPI ranks — interrupted on
# purpose part-way, inspected with `dckpt status`, resumed to the end — which
# ends with tables and plots (docs/bench.md).
# Usage: bash scripts/demo.sh        (as root on Debian 12, from anywhere)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build"
bench="$build/apps/bench/dckpt-bench"
cli="$build/apps/dckpt/dckpt"
config="$root/apps/bench/configs/quickstart.json"
ranks=4
stop_after=2.5   # seconds into the first run
run_dir=${DCKPT_DEMO_DIR:-"$root/runs/quickstart"}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1   # 4 ranks on fewer cores is fine

heading() { printf '\n== %s\n' "$*"; }
die() { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }
indent() { sed 's/^/   /'; }

cd "$root"
heading "1. dependencies"
bash scripts/install-deps.sh 2>&1 | indent || die "scripts/install-deps.sh failed"

heading "2. build (Release, in build/)"
mkdir -p "$build"
log="$build/demo-build.log"
if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDCKPT_BUILD_TESTS=OFF &&
       cmake --build "$build" -j "$(nproc)"; } >"$log" 2>&1; then
  tail -n 30 "$log" | indent
  die "the build failed (full log: $log)"
fi
echo "   built; log in ${log#"$root"/}"

rm -rf "$run_dir"
cmd=(mpirun -np "$ranks" "$bench" "$config" --checkpoint-dir "$run_dir")

heading "3. the campaign on $ranks ranks, stopped with SIGTERM after ${stop_after} s"
echo "   \$ ${cmd[*]#"$root"/}"
"${cmd[@]}" 2>&1 | indent &
sleep "$stop_after"
pkill -TERM -f "^$bench " || true   # what Slurm or a Ctrl-C does to the ranks
wait || true
code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_code"])' \
  "$run_dir/run_status.json" 2>/dev/null || echo "?")
case "$code" in
  75) echo "   *** stopped: exit status 75 = interrupted, every rank checkpointed: resume me ***" ;;
  0) echo "   (the campaign finished before the stop; the resume below just reports)" ;;
  *) die "the stopped run ended with exit code $code" ;;
esac

heading "4. what is on disk: dckpt status"
"$cli" status "$run_dir" | indent || die "dckpt status failed"

heading "5. the same command again resumes the campaign to the end"
"${cmd[@]}" 2>&1 | indent
code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_code"])' \
  "$run_dir/run_status.json")
[ "$code" = 0 ] || die "the resumed run ended with exit code $code"

heading "6. results"
ls -l "$run_dir/results" | tail -n +2 | awk '{print $5, $9}' | indent
"$cli" verify "$run_dir" | indent || die "dckpt verify found problems"
echo
echo "DEMO PASSED: tables and plots are in ${run_dir#"$root"/}/results/"
