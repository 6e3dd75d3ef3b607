#!/usr/bin/env bash
# Job arrays (slurm/dckpt-array.sbatch, issue 12): the tasks of one array are
# shared runs of one campaign, one rank each.
#  (1) 4 tasks; once each holds a pair's lease, task 1 is requeued with
#      `scontrol requeue`: its ranks checkpoint on its own HALT
#      (DIR/runs/<array>_1/HALT), it exits 75 and Slurm starts it again; the
#      other tasks go on without a stop, take over its pair (or the task does
#      when it starts again), and every task ends COMPLETED, once nothing is
#      left for it to claim. The campaign must equal an uninterrupted run, with no
#      lease left behind.
#  (2) USR1 to the batch shell of one task of another array (what Slurm
#      sends before the time limit or on preemption): that task checkpoints
#      on its own HALT, requeues itself (scontrol requeue of its own job id)
#      and completes; the other task never stops.
#  (3) the directory's HALT stops every task of a third array (not
#      requeued, exit 75); without it, a new array completes the campaign
#      identically (submitted from a copy of the scripts in a path with a
#      blank).
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# 6 pairs; longest first: heavy (4 s each at 50 ms a step), walk (6 s), mix
# (1 s). The first four claims are four different runs' (one rank each).
with_reference --trials 2 --iters "120,20,80" --step 1000

# pair_leases DIR: the number of pairs held (lease files, not take-over tickets)
pair_leases() {
  { find "$1/leases" -maxdepth 1 -name 'pair.*.lease' 2>/dev/null || true; } | wc -l
}

# wait_leases DIR N TIMEOUT: until N pairs are held at once
wait_leases() {
  local t=$SECONDS n=0
  while [ $((SECONDS - t)) -lt "$3" ]; do
    n=$(pair_leases "$1")
    [ "$n" -ge "$2" ] && return 0
    sleep 0.1
  done
  squeue >&2 || true
  ls -l "$1/leases" >&2 || true
  fail "$2 pairs were never held at once in $1 ($n at most at the end)"
}

# submit_array NAME DIR TASKS: the array on DIR, one rank per task, the
# campaign slowed to 50 ms a step; prints the array's job id.
submit_array() {
  local name=$1 dir=$2 tasks=$3
  DCKPT_DIR=$dir sbatch --parsable --job-name="$name" --array="0-$((tasks - 1))" \
    --ntasks=1 --time=5 --output="$WORK/$name.%a.out" \
    "$ARRAY_SCRIPT" "$CAMPAIGN" "$dir" "${work[@]}" --sleep-us 50000 --quiet
}

# array_holding NAME DIR TASKS: submit_array, then waits until every task
# runs and holds a pair's lease; prints the array's job id.
array_holding() {
  local arr i
  arr=$(submit_array "$1" "$2" "$3") || exit 1
  for ((i = 0; i < $3; i++)); do wait_running "${arr}_$i" 30; done
  wait_leases "$2" "$3" 60
  echo "$arr"
}

# never_stopped TASK LOG BY: the task's log shows no stop (exit 75 or a
# signal's checkpoint); BY names what such a stop would have come from.
never_stopped() {
  if grep -q -E 'exit_code 75|SIG[A-Z0-9]+: asking' "$2"; then
    cat "$2" >&2
    fail "task $1 was stopped by $3"
  fi
}

# finished_like_reference DIR: the campaign is complete (a run that is not
# shared finds nothing to run) and its results equal the uninterrupted run.
finished_like_reference() {
  local out
  out=$("$CAMPAIGN" "$1" "${work[@]}" --dump "$1.txt" 2>&1) || { echo "$out" >&2; fail "final run on $1"; }
  case $out in *"6/6 pairs complete, 0 run"*) ;; *) echo "$out" >&2; fail "the campaign in $1 was not complete" ;; esac
  same "$WORK/ref.txt" "$1.txt"
  [ "$(pair_leases "$1")" = 0 ] || { ls -l "$1/leases" >&2; fail "pair leases left in $1"; }
}

note "(1) array of 4 tasks, 1 rank each"
dir=$WORK/run
arr=$(array_holding array "$dir" 4)
note "array $arr: every task holds a pair; scontrol requeue ${arr}_1"
scontrol requeue "${arr}_1"
for i in 0 1 2 3; do
  st=$(wait_done "${arr}_$i" 120)
  note "task ${arr}_$i ended: $st after $((SECONDS - T0)) s"
done
for i in 0 1 2 3; do
  log=$WORK/array.$i.out
  name=${arr}_$i
  if [ "$i" = 1 ]; then
    expect_job "$name" COMPLETED 0:0 1 "$log"
    has "$log" "SIGTERM: asking every rank to checkpoint and stop \(.*/runs/$name/HALT\)" "its own HALT"
    has "$log" 'run_status.json: exit_code 75' "the first run stopped with 75"
    has "$log" "Slurm ended this run" "the job script left the requeue to Slurm"
    has "$log" "start 2 on .*, run $name" "the task started again"
  else
    expect_job "$name" COMPLETED 0:0 0 "$log"
    never_stopped "$name" "$log" "the requeue of another task"
  fi
  has "$log" "running: .* --shared --run-name $name" "a shared, named run"
  has "$log" 'the campaign is complete|nothing left to claim' "the task ended with nothing left to claim"
  grep -q '"exit_code":0' "$dir/runs/$name/run_status.json" ||
    fail "$dir/runs/$name/run_status.json: $(cat "$dir/runs/$name/run_status.json")"
done
[ ! -e "$dir/HALT" ] || fail "a task wrote the directory's HALT"
finished_like_reference "$dir"
note "(1) passed: results equal the uninterrupted run"

note "(2) a task requeues itself: USR1 to the batch shell of task 1 (as before the limit)"
dir=$WORK/self
arr=$(array_holding self "$dir" 2)
scancel --batch --signal=USR1 "${arr}_1"
for i in 0 1; do wait_done "${arr}_$i" 120 >/dev/null; done
log=$WORK/self.1.out
expect_job "${arr}_1" COMPLETED 0:0 1 "$log"
has "$log" "SIGUSR1: asking every rank to checkpoint and stop \(.*/runs/${arr}_1/HALT\)" "its own HALT"
has "$log" "interrupted: requeueing job ${arr}_1 \(restart 1 of" "the task requeued itself (its own id, not the array's)"
has "$log" "start 2 on .*, run ${arr}_1" "the task started again"
expect_job "${arr}_0" COMPLETED 0:0 0 "$WORK/self.0.out"
never_stopped "${arr}_0" "$WORK/self.0.out" "the other task's requeue"
finished_like_reference "$dir"
note "(2) passed: only that task was requeued; results equal the uninterrupted run"

note "(3) the directory's HALT stops every task"
dir=$WORK/halt
arr=$(array_holding halt "$dir" 2)
touch "$dir/HALT"
for i in 0 1; do
  wait_done "${arr}_$i" 120 >/dev/null
  log=$WORK/halt.$i.out
  expect_job "${arr}_$i" FAILED 75:0 0 "$log"
  has "$log" "stopped by a HALT file: not requeued \(remove $dir/HALT" "the user's HALT"
done
[ -e "$dir/HALT" ] || fail "the directory's HALT was removed"
rm -f "$dir/HALT"
# submitted from a copy of slurm/ in a directory whose name holds a blank:
# each task finds dckpt-job.sbatch beside that copy (it cut the job's
# Command at the first blank and looked in another directory, exit 2)
spaced="$WORK/slurm copy"
mkdir -p "$spaced" && cp "$REPO"/slurm/*.sbatch "$spaced/"
arr=$(ARRAY_SCRIPT="$spaced/dckpt-array.sbatch" submit_array again "$dir" 2)
for i in 0 1; do
  wait_done "${arr}_$i" 120 >/dev/null
  expect_job "${arr}_$i" COMPLETED 0:0 0 "$WORK/again.$i.out"
done
finished_like_reference "$dir"
note "(3) passed: stopped together, resumed identically (from a path with a blank)"
passed
