#!/usr/bin/env bash
# Quick-start demo: install dependencies, build dckpt (Release, in build/), then
# show the point of the library on the example campaign (docs/example.md):
#   1. start a run, SIGKILL it part-way,
#   2. show what the kill left (`dckpt status`, when the CLI is built),
#   3. resume it to the end,
#   4. run the same plan again without interruption,
#   5. compare the two bit for bit (--verify-against).
# Exits non-zero if any step fails or the runs differ.
# Usage: bash scripts/demo.sh            (from anywhere; as root on Debian 12)
set -euo pipefail

# ---- settings (the program and plan the demo runs) ----
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build"
runner="$build/apps/example/dckpt-example"
cli="$build/apps/dckpt/dckpt"
plan=(--trials 4 --iterations 3000 --checkpoint-step 250 --seed 2024)
slow=(--sleep-us 100)   # makes the killed run take about 7 s
kill_after=3            # seconds

# ---- helpers ----
heading() { printf '\n== %s\n' "$*"; }
die() {
  printf '\nDEMO FAILED: %s\n' "$*" >&2
  exit 1
}
# Prints a command's output indented.
indent() { sed 's/^/   /'; }

cd "$root"

heading "1. dependencies"
bash scripts/install-deps.sh 2>&1 | indent || die "scripts/install-deps.sh failed"

heading "2. build (Release, in build/)"
log="$build/demo-build.log"
mkdir -p "$build"
if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j "$(nproc)"; } >"$log" 2>&1; then
  tail -n 30 "$log" | indent
  die "the build failed (full log: $log)"
fi
[ -x "$runner" ] || die "$runner was not built"
echo "   built; log in ${log#"$root"/}"

work=$(mktemp -d /tmp/dckpt-demo.XXXXXX)
run_dir="$work/run"
ref_dir="$work/reference"

heading "3. a run, killed with SIGKILL after ${kill_after} s"
echo "   \$ dckpt-example --dir $run_dir ${plan[*]} ${slow[*]}"
"$runner" --dir "$run_dir" "${plan[@]}" "${slow[@]}" > >(indent) 2>&1 &
pid=$!
sleep "$kill_after"
if kill -KILL "$pid" 2>/dev/null; then
  wait "$pid" 2>/dev/null || true
  echo "   *** killed with SIGKILL after ${kill_after} s ***"
else
  wait "$pid" 2>/dev/null || true
  echo "   (the run ended before the kill; raise --sleep-us in scripts/demo.sh)"
fi

heading "4. what the kill left behind"
if [ -x "$cli" ]; then
  echo "   \$ dckpt status $run_dir"
  "$cli" status "$run_dir" 2>&1 | indent || echo "   (dckpt status exited with $?)"
else
  echo "   (build/apps/dckpt/dckpt is not built; skipping 'dckpt status')"
  echo "   trials complete so far: $(find "$run_dir" -name complete.json | wc -l)"
fi

heading "5. resume the killed run"
echo "   \$ dckpt-example --dir $run_dir"
"$runner" --dir "$run_dir" 2>&1 | indent
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || die "the resumed run exited with status $status"

heading "6. the same plan, uninterrupted"
echo "   \$ dckpt-example --dir $ref_dir ${plan[*]}"
"$runner" --dir "$ref_dir" "${plan[@]}" >"$work/reference.log" 2>&1 ||
  { indent <"$work/reference.log"; die "the reference run failed"; }
grep -E '^(new run|elapsed)' "$work/reference.log" | indent

heading "7. compare final states bit for bit"
echo "   \$ dckpt-example --dir $run_dir --verify-against $ref_dir"
set +e
"$runner" --dir "$run_dir" --verify-against "$ref_dir" >"$work/verify.log" 2>&1
status=$?
set -e
grep -E '^verify against' "$work/verify.log" | indent || indent <"$work/verify.log"

echo
if [ "$status" = 0 ]; then
  echo "DEMO PASSED: the killed-and-resumed run is bit-identical to the uninterrupted one."
  echo "(runs kept in $work; inspect them with build/apps/dckpt/dckpt status DIR)"
else
  die "the runs differ or could not be compared (exit status $status); see $work/verify.log"
fi
