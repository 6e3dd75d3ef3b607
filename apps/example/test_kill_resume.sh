#!/usr/bin/env bash
# CTest example_kill_resume: a run of dckpt-example that is SIGKILLed at
# random points and resumed, and one that is stopped with SIGTERM (exit 3),
# has its newest checkpoint damaged and is resumed, must both end
# bit-identical to an uninterrupted run.
# Also checks that the comparison can fail (another seed differs) and that a
# different plan is refused.
# Usage: test_kill_resume.sh PATH/TO/dckpt-example TMPDIR
set -uo pipefail

exe=${1:?usage: test_kill_resume.sh EXE TMPDIR}
base=${2:?usage: test_kill_resume.sh EXE TMPDIR}
mkdir -p "$base"
work=$(mktemp -d "$base/example_kill_resume.XXXXXX")
seed=${EXAMPLE_TEST_SEED:-$((RANDOM * 32768 + RANDOM))}
plan=(--trials 3 --iterations 400 --checkpoint-step 7 --keep 2 --no-fsync --seed "$seed")
slow=(--sleep-us 300)

fail() {
  echo "FAIL: $*" >&2
  echo "(seed $seed; files kept in $work)" >&2
  exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Runs the example quietly; prints its exit status.
run() {
  "$exe" "$@" >>"$work/log" 2>&1
  echo $?
}

# Starts a slow run into $1, sends signal $2 after $3 ms; prints exit status.
interrupt() {
  "$exe" --dir "$1" "${plan[@]}" "${slow[@]}" >>"$work/log" 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $(($3 / 1000)) $(($3 % 1000)))"
  kill "-$2" "$pid" 2>/dev/null
  wait "$pid"
  echo $?
}

echo "seed $seed, work dir $work"
start=$(now_ms)
[ "$(run --dir "$work/ref" "${plan[@]}" "${slow[@]}")" = 0 ] || fail "reference run"
span=$(($(now_ms) - start))
echo "reference run: ${span} ms"

# 1. SIGKILL three times at random points, then resume to the end.
kills=0
for i in 1 2 3; do
  at=$((span / 20 + RANDOM % (span / 4 + 1))) # three of these stay within the run
  status=$(interrupt "$work/killed" KILL "$at")
  echo "SIGKILL $i after ${at} ms: exit status $status"
  [ "$status" = 137 ] && kills=$((kills + 1))
done
((kills > 0)) || fail "no SIGKILL hit a running process"
status=$(run --dir "$work/killed" --verify-against "$work/ref")
[ "$status" = 0 ] || fail "resume after SIGKILL: exit status $status (want 0)"
grep -q "identical" "$work/log" || fail "no 'identical' verdict after SIGKILL"
grep -q "resuming from the checkpoint of iteration" "$work/log" ||
  fail "no resumed run started from a checkpoint"

# 2. SIGTERM once a checkpoint exists: exit 3, then resume.
: >"$work/log"
"$exe" --dir "$work/termed" "${plan[@]}" "${slow[@]}" >>"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1000); do # up to 10 s on a loaded machine
  [ -e "$work/termed/algorithm_0/trial_0/progress.json" ] && break
  sleep 0.01
done
sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" = 3 ] || fail "SIGTERM: exit status $status (want 3)"
# The stop lands inside a trial, which saves a checkpoint and says so, or,
# when it comes during a trial's last iteration, between two trials: that
# one completes and the next does not start. The files tell which; the
# sleep above makes the first the usual case, not a certainty.
in_progress=
for d in "$work"/termed/algorithm_*/trial_*; do
  [ -e "$d/progress.json" ] && [ ! -e "$d/complete.json" ] && in_progress=$d
done
if [ -n "$in_progress" ]; then
  grep -q "stop requested: checkpoint of iteration" "$work/log" ||
    fail "SIGTERM: no checkpoint line, with $in_progress in progress"
else
  grep -q "interrupted: progress is checkpointed" "$work/log" ||
    fail "SIGTERM between two trials: no 'interrupted' line"
fi
# Damage the newest checkpoint of the stopped trial: the store must fall back
# to an older one (or start the trial over) and the result must not change.
corrupted=
for d in "$work"/termed/algorithm_*/trial_*; do
  if [ -e "$d/progress.json" ] && [ ! -e "$d/complete.json" ]; then
    ckpts=("$d"/checkpoint_*.dckpt) # sorted: names carry zero-padded iterations
    corrupted=${ckpts[-1]}
    printf 'XXXXXXXX' | dd of="$corrupted" bs=1 seek=40 conv=notrunc status=none
  fi
done
echo "corrupted: ${corrupted:-nothing (no trial in progress)}"
status=$(run --dir "$work/termed" --verify-against "$work/ref")
[ "$status" = 0 ] || fail "resume after SIGTERM: exit status $status (want 0)"
if [ -n "$corrupted" ]; then
  [ -e "$corrupted.corrupt" ] || fail "the damaged checkpoint was not moved aside"
  grep -q "is unusable" "$work/log" || fail "no warning about the damaged checkpoint"
fi

# 3. The comparison must be able to fail, and another plan must be refused.
other_plan=("${plan[@]}")
other_plan[${#plan[@]} - 1]=$((seed + 1)) # the value of --seed
status=$(run --dir "$work/other" "${other_plan[@]}")
[ "$status" = 0 ] || fail "run with another seed: exit status $status"
status=$(run --dir "$work/other" --verify-against "$work/ref")
[ "$status" = 4 ] || fail "another seed compared: exit status $status (want 4)"
grep -q "DIFFERENT" "$work/log" || fail "another seed: no DIFFERENT verdict"
status=$(run --dir "$work/ref" --trials 5)
[ "$status" = 2 ] || fail "resume with --trials 5: exit status $status (want 2)"
grep -q "holds a different run" "$work/log" || fail "plan mismatch: no message"

rm -rf "$work"
echo "PASS"
