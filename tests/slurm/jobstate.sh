#!/usr/bin/env bash
# Pair leases of holders on another host whose Slurm job has ended (issue 12
# item 2): a shared run under Slurm asks Slurm about the holder's job
# (apps/common/slurm_state.c) and takes such a lease over at once, while it
# leaves a lease whose holder's job is RUNNING alone until that job ends.
#  (0) the lookup against this cluster: a COMPLETED job and a job id Slurm
#      does not know are GONE, a RUNNING job is RUNNING, an array task's
#      <array>_<task> id is understood.
#  (1) a shared run (one rank, without Slurm) is killed in pair (0, 1); its
#      lease is rewritten as that of a holder on node-9.far in a job that has
#      COMPLETED, renewed just now, and a pair not started yet gets the lease
#      of a holder on node-8.far in a job that is RUNNING, renewed just now.
#      A one-task array on the directory takes (0, 1) over at once (the
#      renewal is fresh: only the job can tell) and completes every other
#      pair, leaving the RUNNING job's pair alone (its registration names it
#      <array>_<task>), and waits (DCKPT_SHARED_WAIT=1); once that job is
#      cancelled, it takes that pair over too. The results equal an
#      uninterrupted run.
#  (2) a requeued task and its previous run's lease: a shared run is killed
#      in pair (0, 1) of another directory; a held one-task array is
#      submitted on it and the lease rewritten as that of a holder on
#      node-7.far in that very task (<array>_<task>), restart 0, renewed just
#      now. Released, the task (its restart 0) leaves it alone, a sibling
#      rank of its own run, completes every other pair and waits
#      (DCKPT_SHARED_WAIT=1); the lease is
#      renewed again and the task requeued with scontrol: started again
#      (SLURM_RESTART_COUNT 1), it takes the lease over at once (Slurm says
#      RUNNING of its job, and the renewal is fresh: only the restart count
#      can tell) and completes the campaign identically.
# Usage: jobstate.sh CAMPAIGN WORK TEST_JOB_STATE
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
ASK=$3
setup "$@"
# 6 pairs; longest first: the two of algorithm 0 (60 iterations), then the
# others (20 each), so the killed pair (0, 1) comes before any of them.
with_reference --trials 2 --iters "60,20,20" --step 3

# ask JOB WANT: what the dckpt programs' lookup says of JOB
ask() {
  local got
  got=$("$ASK" --ask "$1")
  [ "$got" = "$2" ] || { squeue -t all -j "$1" >&2 || true; fail "job $1: the lookup says $got, not $2"; }
}

# holder LEASE HOST JOB [RESTART]: LEASE as held by pid 777 on HOST in Slurm
# job JOB (in its run RESTART: SLURM_RESTART_COUNT), started and renewed just
# now
holder() {
  local now inc=""
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  [ -z "${4:-}" ] || inc=",\"restart\":$4"
  printf '{"host":"%s","pid":777,"job_id":"%s","started":"%s","renewed":"%s"%s}\n' \
    "$2" "$3" "$now" "$now" "$inc" >"$1.new"
  mv "$1.new" "$1"
}

note "(0) the lookup against this cluster"
ended=$(sbatch --parsable --job-name=ended --ntasks=1 --time=1 --output=/dev/null --wrap true)
st=$(wait_done "$ended" 60)
[ "$st" = COMPLETED ] || fail "job $ended ended $st"
live=$(sbatch --parsable --job-name=live --ntasks=1 --time=5 --output=/dev/null --wrap 'sleep 600')
trap 'scancel "$live" 2>/dev/null || true' EXIT
wait_running "$live" 30
arr=$(sbatch --parsable --job-name=arr --array=0-1 --ntasks=1 --time=1 --output=/dev/null --wrap true)
for i in 0 1; do wait_done "${arr}_$i" 60 >/dev/null; done
ask "$ended" GONE
ask "${arr}_1" GONE
ask "$live" RUNNING
ask 99999999 GONE
note "(0) passed: $ended and ${arr}_1 GONE, $live RUNNING, 99999999 GONE"

# killed_run DIR LOG: a shared run outside Slurm, SIGKILLed in pair (0, 1) at
# its 9th iteration, leaving that pair's lease and a checkpoint
killed_run() {
  set +e
  env -u SLURM_JOB_ID "$CAMPAIGN" "$1" "${work[@]}" --shared --kill-at 0:1:9 --quiet >"$2" 2>&1
  local code=$?
  set -e
  [ "$code" = 137 ] || { cat "$2" >&2; fail "the first run on $1 exited $code, not killed"; }
  grep -q '"pid"' "$1/leases/pair.0.1.lease" || fail "the killed run left no lease of (0, 1) in $1"
}

# five_complete DIR TASK LOG: waits until 5 of DIR's 6 pairs are complete
# (a state) while TASK keeps running
five_complete() {
  local t=$SECONDS n
  while :; do
    n=$(find "$1" -name complete.json | wc -l)
    [ "$n" -ge 5 ] && break
    [ "$(job_field "$2" JobState)" = RUNNING ] || { cat "$3" >&2; fail "task $2 ended early"; }
    [ $((SECONDS - t)) -lt 120 ] || { cat "$3" >&2; fail "only $n pairs completed in $1"; }
    sleep 0.2
  done
}

# like_reference DIR: the campaign in DIR is complete and equals the reference
like_reference() {
  local out
  out=$("$CAMPAIGN" "$1" "${work[@]}" --dump "$1.txt" 2>&1) || { echo "$out" >&2; fail "final run on $1"; }
  case $out in *"6/6 pairs complete, 0 run"*) ;; *) echo "$out" >&2; fail "the campaign in $1 was not complete" ;; esac
  same "$WORK/ref.txt" "$1.txt"
}

note "(1) a shared run under Slurm with the lease of an ended job and one of a running job"
d=$WORK/run
killed_run "$d" "$WORK/killed.log"
gone_lease=$d/leases/pair.0.1.lease
[ -e "$d/algorithm_0/trial_1/progress.json" ] || fail "no checkpoint of (0, 1)"
held=""
for p in 1.0 1.1 2.0 2.1; do
  [ -e "$d/algorithm_${p%.*}/trial_${p#*.}/complete.json" ] || { held=$p; break; }
done
[ -n "$held" ] || fail "every pair of algorithms 1 and 2 is complete already"
live_lease=$d/leases/pair.$held.lease
holder "$gone_lease" node-9.far "$ended"
holder "$live_lease" node-8.far "$live"
job=$(DCKPT_DIR=$d DCKPT_SHARED_WAIT=1 sbatch --parsable --job-name=taker --array=0-0 --ntasks=1 --time=5 \
  --output="$WORK/taker.%a.out" "$ARRAY_SCRIPT" "$CAMPAIGN" "$d" "${work[@]}" \
  --sleep-us 20000)
task=${job}_0
log=$WORK/taker.0.out
wait_running "$task" 30
# every pair but the one the RUNNING job holds completes (a state, not a time)
five_complete "$d" "$task" "$log"
has "$log" "taking over lease '.*pair\.0\.1\.lease': its holder, .*node-9\.far.*its job '$ended' is no longer running" \
  "the lease of the ended job taken over"
[ -e "$d/algorithm_${held%.*}/trial_${held#*.}/complete.json" ] &&
  fail "the pair held in the RUNNING job $live was run"
grep -q node-8.far "$live_lease" || fail "the lease of the RUNNING job $live was taken"
[ "$(job_field "$task" JobState)" = RUNNING ] || { cat "$log" >&2; fail "task $task did not wait for pair $held"; }
# the task names itself <array>_<task> (its SLURM_JOB_ID may be the array's)
grep -q -E "\"job_id\": *\"$task\"" "$d"/leases/run.*.lease ||
  { cat "$d"/leases/run.*.lease >&2; fail "the task's registration does not name job $task"; }
if grep -q "its job '$live'" "$log"; then cat "$log" >&2; fail "the RUNNING job's lease was judged gone"; fi
note "(1) (0, 1) taken over from ended job $ended; pair $held left to running job $live"
scancel "$live"
st=$(wait_done "$live" 60)
note "job $live ended $st: pair $held is free now"
st=$(wait_done "$task" 120)
expect_job "$task" COMPLETED 0:0 0 "$log"
has "$log" "taking over lease '.*pair\.$held\.lease': its holder, .*node-8\.far.*its job '$live' is no longer running" \
  "the lease of the cancelled job taken over"
has "$log" 'the campaign is complete' "the task ended with the campaign complete"
like_reference "$d"
left=$({ find "$d/leases" -maxdepth 1 -name 'pair.*.lease' 2>/dev/null || true; } | wc -l)
[ "$left" = 0 ] || { ls -l "$d/leases" >&2; fail "pair leases left in $d"; }
note "(1) passed: results equal the uninterrupted run"

note "(2) a requeued task and the lease of its own previous run on another node"
d=$WORK/requeued
killed_run "$d" "$WORK/killed2.log"
own_lease=$d/leases/pair.0.1.lease
job=$(DCKPT_DIR=$d DCKPT_SHARED_WAIT=1 sbatch --parsable --hold --job-name=requeued --array=0-0 --ntasks=1 \
  --time=5 --open-mode=append --output="$WORK/requeued.%a.out" "$ARRAY_SCRIPT" "$CAMPAIGN" \
  "$d" "${work[@]}" --sleep-us 20000)
task=${job}_0
log=$WORK/requeued.0.out
holder "$own_lease" node-7.far "$task" 0
scontrol release "$job"
wait_running "$task" 30
five_complete "$d" "$task" "$log"
[ -e "$d/algorithm_0/trial_1/complete.json" ] && fail "pair (0, 1) of a sibling rank was run"
grep -q node-7.far "$own_lease" || fail "the lease of a sibling rank (same job, restart 0) was taken"
[ "$(job_field "$task" JobState)" = RUNNING ] || { cat "$log" >&2; fail "task $task did not wait for (0, 1)"; }
note "(2) run 0 of $task left the lease of its sibling on node-7.far alone; scontrol requeue $task"
holder "$own_lease" node-7.far "$task" 0
scontrol requeue "$task"
st=$(wait_done "$task" 300)
note "task $task ended $st"
expect_job "$task" COMPLETED 0:0 1 "$log"
has "$log" "taking over lease '.*pair\.0\.1\.lease': its holder, .*node-7\.far.*is run 0 of job '$task', which Slurm has since started again \(run 1\)" \
  "the requeued task took over its previous run's lease"
has "$log" 'the campaign is complete' "the requeued task ended with the campaign complete"
like_reference "$d"
note "(2) passed: the requeued task took its own old lease over at once; results identical"
passed
