#!/usr/bin/env bash
# (a) A job with a one-minute time limit whose campaign needs more than that:
# the run stops itself before the limit (--deadline slurm, appended by the job
# script), exits 75 with run_status.json saying so, the job script requeues
# the job, the second start resumes and finishes, and the results equal an
# uninterrupted run. USR1 is asked for 1 s before the end so that the deadline,
# not the signal, is what stops the run; --margin 40 makes it stop ~20 s in
# instead of ~50 s (the test's duration, not its logic).
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): heavy 6 s, walk 18 s, mix 3 s. The deadline stop (~19 s in) lands
# inside a pair, far from the pairs' ends.
with_reference --trials 2 --iters "180,30,60" --step 10

note "job: --time=1, 2 ranks, ~27 s of work per rank, deadline margin 40 s"
job=$(sbatch_campaign deadline "$WORK/run" --time=1 --ntasks=2 --signal=B:USR1@1 -- \
  "${work[@]}" --sleep-us 100000 --margin 40 --dump "$WORK/out.txt")
note "job $job submitted"
st=$(wait_done "$job" 170)
note "job $job ended: $st after $((SECONDS - T0)) s"
log=$WORK/deadline.out
expect_job "$job" COMPLETED 0:0 1 "$log"
has "$log" 'run_status.json: exit_code 75' "the first run stopped with 75"
has "$log" '"exit_code":75.*deadline' "the stop was the deadline's"
has "$log" "requeueing job $job \(restart 1 " "the job script requeued"
has "$log" "start 2 on" "the job started again"
has "$log" 'the campaign is complete' "the second run finished"
if grep -q -E 'DUE TO TIME LIMIT|SIG(USR1|TERM): asking|received SIG' "$log"; then
  cat "$log" >&2
  fail "the run was ended by Slurm, not by its deadline"
fi
same "$WORK/ref.txt" "$WORK/out.txt"
passed
