#!/usr/bin/env bash
# (d) Preemption: a job of the high-priority partition 'urgent' needs the
# node's CPUs while the campaign runs in 'debug' (PreemptMode=REQUEUE,
# GraceTime=10). Slurm sends USR1 to the batch shell at once
# (preempt_send_user_signal with --signal=B:USR1@...) and SIGTERM to the
# rest; the ranks checkpoint, the campaign job is requeued, runs again after
# the urgent job and finishes with the results of an uninterrupted run.
# The ranks run as a job step here (DCKPT_LAUNCHER=srun, PMIx).
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): walk 6 s, heavy 1 s, mix 2 s; the stop (~2-4 s in)
# lands inside a pair, far from its ends.
with_reference --trials 2 --iters "120,40,20" --step 1000

note "campaign job on the whole node (partition debug), ranks started by srun"
job=$(DCKPT_LAUNCHER=srun submit_running preempt "$WORK/run" --partition=debug --time=5 \
  --ntasks=2 --exclusive)
note "urgent job on the whole node"
urgent=$(sbatch --parsable --partition=urgent --exclusive --time=1 \
  --output="$WORK/urgent.out" --wrap 'sleep 2')
st=$(wait_done "$urgent" 60)
note "urgent job $urgent ended: $st after $((SECONDS - T0)) s"
st=$(wait_done "$job" 120)
note "campaign job $job ended: $st after $((SECONDS - T0)) s"
log=$WORK/preempt.out
expect_job "$urgent" COMPLETED 0:0 0 "$WORK/urgent.out"
expect_job "$job" COMPLETED 0:0 1 "$log"
has "$log" 'SIGUSR1: asking every rank to checkpoint' "the batch shell got USR1 on preemption"
has "$log" 'run_status.json: exit_code 75' "the first run stopped with 75"
has "$log" "running: srun --mpi=pmix" "srun launched the ranks"
has "$log" "start 2 on" "the job started again"
has "$log" 'the campaign is complete' "the second run finished"
same "$WORK/ref.txt" "$WORK/out.txt"
passed
