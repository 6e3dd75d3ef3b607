#!/usr/bin/env bash
# (c) Resubmission without requeue: slurm/submit-chain.sh submits 3 dependent
# jobs (afterany) with a one-minute limit. The first stops at its deadline and
# exits 75 without requeueing itself (the job FAILS with 75), the second
# resumes and completes the campaign, the third finds it complete and exits at
# once. The results equal an uninterrupted run.
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): heavy 6 s, walk 15 s, mix 3 s; the first job stops ~14 s in.
work=(--trials 2 --iters "150,30,60" --step 10)

note "uninterrupted reference"
reference "$WORK/ref" "${work[@]}"

note "a chain of 3 jobs: --time=1, 2 ranks, ~24 s of work per rank, margin 45 s"
mapfile -t jobs < <(DCKPT_DIR=$WORK/run "$CHAIN" -n 3 --time=1 --ntasks=2 \
  --signal=B:USR1@1 --output="$WORK/chain-%j.out" -- \
  "$CAMPAIGN" "$WORK/run" "${work[@]}" --sleep-us 100000 --margin 45 --dump "$WORK/out.txt")
[ "${#jobs[@]}" = 3 ] || fail "submit-chain printed ${#jobs[@]} job ids: ${jobs[*]}"
note "jobs ${jobs[*]}"
[ "$(job_field "${jobs[1]}" Dependency)" = "afterany:${jobs[0]}(unfulfilled)" ] ||
  fail "job ${jobs[1]}: dependency $(job_field "${jobs[1]}" Dependency)"
for j in "${jobs[@]}"; do
  st=$(wait_done "$j" 150)
  note "job $j ended: $st after $((SECONDS - T0)) s"
done
log() { echo "$WORK/chain-$1.out"; }
expect_job "${jobs[0]}" FAILED 75:0 0 "$(log "${jobs[0]}")"
has "$(log "${jobs[0]}")" '"exit_code":75.*deadline' "job 1 stopped at its deadline"
has "$(log "${jobs[0]}")" 'interrupted: submit again to resume' "job 1 did not requeue itself"
expect_job "${jobs[1]}" COMPLETED 0:0 0 "$(log "${jobs[1]}")"
has "$(log "${jobs[1]}")" 'the campaign is complete' "job 2 finished the run"
expect_job "${jobs[2]}" COMPLETED 0:0 0 "$(log "${jobs[2]}")"
has "$(log "${jobs[2]}")" 'nothing to do' "job 3 exited at once"
if grep -q running: "$(log "${jobs[2]}")"; then fail "job 3 ran the program"; fi
same "$WORK/ref.txt" "$WORK/out.txt"
passed
