#!/usr/bin/env bash
# (b) `scontrol requeue` in the middle of a run, as an operator or a
# preempting scheduler would: Slurm sends SIGTERM to the batch shell and to
# the ranks, every rank checkpoints its trial at its current iteration, the run
# exits 75, the job script does not requeue on its own (Slurm does), the job
# starts again, resumes and finishes with the results of an uninterrupted run.
# A stale HALT left in the directory must not stop the first run.
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): walk 6 s, heavy 1 s, mix 2 s; the stop (~2-4 s in)
# lands inside a pair, far from its ends.
with_reference --trials 2 --iters "120,40,20" --step 1000

mkdir -p "$WORK/run" && touch "$WORK/run/HALT"
note "job: 2 ranks, ~9 s of work per rank, no periodic checkpoints"
# returns once the trials run (the stop checkpoints are the only ones)
job=$(submit_running requeue "$WORK/run" --time=5 --ntasks=2)
note "job $job running"
note "scontrol requeue $job"
scontrol requeue "$job"
st=$(wait_done "$job" 120)
note "job $job ended: $st after $((SECONDS - T0)) s"
log=$WORK/requeue.out
expect_job "$job" COMPLETED 0:0 1 "$log"
has "$log" "removing a stale .*/HALT" "the stale HALT was removed"
has "$log" "SIGTERM: asking every rank to checkpoint" "the job script forwarded the stop"
has "$log" 'run_status.json: exit_code 75' "the first run stopped with 75"
has "$log" "Slurm ended this run" "the job script left the requeue to Slurm"
has "$log" "start 2 on" "the job started again"
has "$log" 'the campaign is complete' "the second run finished"
if grep -q "requeueing job" "$log"; then fail "the job script requeued a job Slurm was requeueing"; fi
same "$WORK/ref.txt" "$WORK/out.txt"
passed
