#!/usr/bin/env bash
# (e) When the job script must NOT requeue: a user's HALT file (a stop for
# good: the job exits 75, HALT stays; removing it and submitting again
# resumes), DCKPT_MAX_REQUEUE reached, and a failed run (exit 1).
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): walk 6 s, heavy 1 s, mix 2 s; the stops (~2-3 s in)
# land inside a pair, far from its ends.
with_reference --trials 2 --iters "120,40,20" --step 1000

note "HALT by the user stops the job without a requeue"
job=$(submit_running halt "$WORK/run" --time=5 --ntasks=2)
touch "$WORK/run/HALT"
st=$(wait_done "$job" 60)
note "job $job ended: $st"
expect_job "$job" FAILED 75:0 0 "$WORK/halt.out"
has "$WORK/halt.out" "stopped by a HALT file: not requeued" "the user's HALT was respected"
[ -e "$WORK/run/HALT" ] || fail "the user's HALT file was removed"
rm "$WORK/run/HALT"
job=$(sbatch_campaign resume "$WORK/run" --time=5 --ntasks=2 -- \
  "${work[@]}" --sleep-us 1000 --dump "$WORK/out.txt")
st=$(wait_done "$job" 60)
note "resubmitted job $job ended: $st"
expect_job "$job" COMPLETED 0:0 0 "$WORK/resume.out"
same "$WORK/ref.txt" "$WORK/out.txt"

note "DCKPT_MAX_REQUEUE=0: a run stopped by its deadline is not requeued"
job=$(DCKPT_MAX_REQUEUE=0 DCKPT_DEADLINE=+3 sbatch_campaign max "$WORK/max" --time=5 \
  --ntasks=2 -- "${work[@]}" --sleep-us 50000 --margin 0.5)
st=$(wait_done "$job" 60)
note "job $job ended: $st"
expect_job "$job" FAILED 75:0 0 "$WORK/max.out"
has "$WORK/max.out" '"exit_code":75.*deadline' "the run stopped at its deadline"
has "$WORK/max.out" "DCKPT_MAX_REQUEUE=0\): not requeued" "the guard held"

note "a failing run fails the job, without a requeue"
job=$(sbatch_campaign failing "$WORK/fail" --time=5 --ntasks=2 -- \
  "${work[@]}" --fail-at 1:1:7)
st=$(wait_done "$job" 60)
note "job $job ended: $st"
expect_job "$job" FAILED 1:0 0 "$WORK/failing.out"
has "$WORK/failing.out" "the run failed \(exit 1\): not requeued" "no requeue after a failure"
has "$WORK/failing.out" "trial 1 failed at iteration 7" "the failure is in the log"
passed
