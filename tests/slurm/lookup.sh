#!/usr/bin/env bash
# --deadline slurm inside real jobs: the deadline is the EndTime that Slurm
# reports for the job (and moves with `scontrol update TimeLimit`); a job
# without a time limit gets a clear error, and so does the campaign outside a
# job or with a bad argument (exit 2).
#   lookup.sh CAMPAIGN WORK TEST_DEADLINE
here=$(dirname "$0")
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
setup "$1" "$2"
probe=$3

# end_epoch JOB: the job's EndTime as epoch seconds.
end_epoch() { date -d "$(job_field "$1" EndTime)" +%s; }

note "a job with --time=2 sees its own end time"
# the job prints its end time, waits until the test has changed the limit
# (a file says so), and prints it again: states, not times
job=$(sbatch --parsable --time=2 --output="$WORK/limit.out" \
  --wrap "$probe --print slurm; until [ -e '$WORK/updated' ]; do sleep 0.1; done; $probe --print slurm")
wait_running "$job" 30
until [ -s "$WORK/limit.out" ]; do sleep 0.1; done
scontrol update JobId="$job" TimeLimit=3
# read while the job still runs (once it ends, EndTime is when it ended)
want_before=$(( $(job_field "$job" StartTime | xargs -I{} date -d {} +%s) + 120 ))
want_after=$(end_epoch "$job")
touch "$WORK/updated"
st=$(wait_done "$job" 30)
[ "$st" = COMPLETED ] || { cat "$WORK/limit.out"; fail "probe job $job: $st"; }
mapfile -t got <"$WORK/limit.out"
[ "${got[0]:-}" = "$want_before" ] || fail "deadline ${got[0]:-none}, wanted StartTime+120 = $want_before"
[ "${got[1]:-}" = "$want_after" ] || fail "after TimeLimit=3: deadline ${got[1]:-none}, wanted $want_after"
note "deadline = EndTime ($want_before), and $want_after after the limit was raised"

note "a job without a time limit"
job=$(sbatch --parsable --time=UNLIMITED --output="$WORK/unlimited.out" --wrap "$probe --print slurm")
st=$(wait_done "$job" 30)
expect_job "$job" FAILED 1:0 0 "$WORK/unlimited.out"
has "$WORK/unlimited.out" "deadline 'slurm': Slurm reports no end time for job $job \(EndTime=Unknown" "the cause"

note "the campaign refuses bad deadlines with exit 2"
set +e
env -u SLURM_JOB_ID "$CAMPAIGN" "$WORK/x" --deadline slurm >"$WORK/x.log" 2>&1
rc1=$?
"$CAMPAIGN" "$WORK/y" --deadline 15x >"$WORK/y.log" 2>&1
rc2=$?
set -e
if [ "$rc1" != 2 ] || ! grep -q "campaign: deadline 'slurm': not inside a Slurm job" "$WORK/x.log"; then
  cat "$WORK/x.log"
  fail "outside a job: exit $rc1"
fi
if [ "$rc2" != 2 ] || ! grep -q "campaign: deadline '15x': unknown unit 'x'" "$WORK/y.log"; then
  cat "$WORK/y.log"
  fail "15x: exit $rc2"
fi
if [ -e "$WORK/x/metadata.json" ] || [ -e "$WORK/y/metadata.json" ]; then fail "a run was started"; fi
passed
