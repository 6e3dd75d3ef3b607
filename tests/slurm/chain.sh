#!/usr/bin/env bash
# (c) Resubmission without requeue: slurm/submit-chain.sh submits 4 dependent
# jobs (afterany) with a one-minute limit. The first stops at its deadline and
# exits 75 without requeueing itself (the job FAILS with 75); the next ones
# resume, each stopping at its deadline the same way, until one completes the
# campaign (the second, unless the machine is so loaded that it needs a third);
# every job after it finds the campaign complete and exits at once. The results
# equal an uninterrupted run. How many jobs the work takes depends on the
# machine's speed, so the test asks for the sequence, not for a count.
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$@"
# Per rank (longest first): heavy 6 s, walk 15 s, mix 3 s; the first job stops ~14 s in.
with_reference --trials 2 --iters "150,30,60" --step 10

note "a chain of 4 jobs: --time=1, 2 ranks, ~24 s of work per rank, margin 45 s"
mapfile -t jobs < <(DCKPT_DIR=$WORK/run "$CHAIN" -n 4 --time=1 --ntasks=2 \
  --signal=B:USR1@1 --output="$WORK/chain-%j.out" -- \
  "$CAMPAIGN" "$WORK/run" "${work[@]}" --sleep-us 100000 --margin 45 --dump "$WORK/out.txt")
[ "${#jobs[@]}" = 4 ] || fail "submit-chain printed ${#jobs[@]} job ids: ${jobs[*]}"
note "jobs ${jobs[*]}"
[ "$(job_field "${jobs[1]}" Dependency)" = "afterany:${jobs[0]}(unfulfilled)" ] ||
  fail "job ${jobs[1]}: dependency $(job_field "${jobs[1]}" Dependency)"
for j in "${jobs[@]}"; do
  st=$(wait_done "$j" 150)
  note "job $j ended: $st after $((SECONDS - T0)) s"
done
log() { echo "$WORK/chain-$1.out"; }
# the job that completed the campaign: not the first, and one job at least after it
done_at=-1
for i in 1 2; do
  if grep -q 'the campaign is complete' "$(log "${jobs[$i]}")"; then done_at=$i && break; fi
done
[ "$done_at" -gt 0 ] || { cat "$(log "${jobs[1]}")" "$(log "${jobs[2]}")" >&2; fail "neither job 2 nor job 3 completed the campaign"; }
note "job $((done_at + 1)) completed the campaign"
for ((i = 0; i < done_at; i++)); do
  expect_job "${jobs[$i]}" FAILED 75:0 0 "$(log "${jobs[$i]}")"
  has "$(log "${jobs[$i]}")" '"exit_code":75.*deadline' "job $((i + 1)) stopped at its deadline"
  has "$(log "${jobs[$i]}")" 'interrupted: submit again to resume' "job $((i + 1)) did not requeue itself"
done
expect_job "${jobs[$done_at]}" COMPLETED 0:0 0 "$(log "${jobs[$done_at]}")"
for ((i = done_at + 1; i < 4; i++)); do
  expect_job "${jobs[$i]}" COMPLETED 0:0 0 "$(log "${jobs[$i]}")"
  has "$(log "${jobs[$i]}")" 'nothing to do' "job $((i + 1)) exited at once"
  if grep -q running: "$(log "${jobs[$i]}")"; then fail "job $((i + 1)) ran the program"; fi
done
same "$WORK/ref.txt" "$WORK/out.txt"
passed
