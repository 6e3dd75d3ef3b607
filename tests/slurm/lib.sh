# shellcheck shell=bash
# Helpers for the Slurm scenario scripts (sourced). Every script is called as
#   SCRIPT CAMPAIGN WORK
# with SLURM_CONF and DCKPT_SLURM_BASE in the environment (tests/slurm.cmake),
# and gets: CAMPAIGN, WORK (emptied), JOB_SCRIPT, CHAIN and ARRAY_SCRIPT (the
# scripts of slurm/), and the functions below.
set -euo pipefail
# mpirun inside the jobs gets 3 s of SIGTERM grace (the job inherits it)
. "$(dirname "${BASH_SOURCE[0]}")/../mpi_grace.sh"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
note() { echo "-- $(date +%T) $*"; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JOB_SCRIPT=$REPO/slurm/dckpt-job.sbatch
# shellcheck disable=SC2034 # used by the scripts that source this file
CHAIN=$REPO/slurm/submit-chain.sh
# shellcheck disable=SC2034
ARRAY_SCRIPT=$REPO/slurm/dckpt-array.sbatch

# setup CAMPAIGN WORK: skips (exit 77) when the fixture found that Slurm cannot
# run here; fails when it should run but does not answer.
setup() {
  CAMPAIGN=$1 WORK=$2
  local base=${DCKPT_SLURM_BASE:?DCKPT_SLURM_BASE not set}
  if [ -f "$base/skip" ]; then
    echo "SKIP: Slurm cannot be started on this machine: $(cat "$base/skip")"
    exit 77
  fi
  sinfo -h >/dev/null 2>&1 || fail "the test cluster does not answer (SLURM_CONF=${SLURM_CONF:-unset}); see $base/log"
  rm -rf "$WORK" && mkdir -p "$WORK"
  T0=$SECONDS
}

# reference DIR ARGS...: an uninterrupted run of the campaign without Slurm
# (one process, no sleeps: the sleeps change the timing, not the results).
reference() {
  local dir=$1
  shift
  "$CAMPAIGN" "$dir" "$@" --dump "$dir.txt" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "reference run"; }
}

# with_reference ARGS...: the campaign arguments of the test's work, kept in
# the array `work`, and their uninterrupted reference run ($WORK/ref.txt).
with_reference() {
  work=("$@")
  note "uninterrupted reference"
  reference "$WORK/ref" "${work[@]}"
}

# job_field JOB NAME: a field of `scontrol show job -o`.
job_field() {
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# wait_done JOB TIMEOUT: waits until the job has ended for good (not pending,
# running, requeued or completing); prints its state.
wait_done() {
  local job=$1 limit=$2 st="" t=$SECONDS
  while [ $((SECONDS - t)) -lt "$limit" ]; do
    st=$(job_field "$job" JobState)
    case $st in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | PREEMPTED | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        # a requeue passes through these too: wait for the flags to settle
        sleep 0.5
        st=$(job_field "$job" JobState)
        case $st in
          COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
            echo "$st"
            return 0 ;;
        esac ;;
    esac
    sleep 0.5
  done
  scontrol show job "$job" >&2 || true
  fail "job $job not done after $limit s (state $st)"
}

# wait_running JOB TIMEOUT
wait_running() {
  local t=$SECONDS
  while [ $((SECONDS - t)) -lt "$2" ]; do
    [ "$(job_field "$1" JobState)" = RUNNING ] && return 0
    sleep 0.2
  done
  fail "job $1 not running after $2 s"
}

# wait_file FILE TIMEOUT
wait_file() {
  local t=$SECONDS
  while [ $((SECONDS - t)) -lt "$2" ]; do
    compgen -G "$1" >/dev/null && return 0
    sleep 0.2
  done
  fail "no $1 after $2 s"
}

# expect_job JOB STATE EXITCODE RESTARTS LOG: the job's end as Slurm records
# it, and a log without sanitizer reports (the job script goes by
# run_status.json, which a leak found at exit does not change).
expect_job() {
  local job=$1 state=$2 code=$3 restarts=$4 log=$5 got_code got_restarts
  if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
    cat "$log" >&2
    fail "job $job: sanitizer report in $log"
  fi
  got_code=$(job_field "$job" ExitCode)
  got_restarts=$(job_field "$job" Restarts)
  if [ "$(job_field "$job" JobState)" != "$state" ] || [ "$got_code" != "$code" ] ||
     [ "$got_restarts" != "$restarts" ]; then
    cat "$log" >&2
    scontrol show job "$job" >&2
    fail "job $job: wanted $state, exit $code, $restarts restart(s)"
  fi
}

# has LOG PATTERN WHAT: the job log matches (grep -E).
has() {
  grep -q -E -- "$2" "$1" || { cat "$1" >&2; fail "job log $1: no '$2' ($3)"; }
}

same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head >&2; fail "$1 and $2 differ"; }; }

# sbatch_campaign NAME DIR SBATCH_OPTS... -- CAMPAIGN_ARGS...: submits the job
# script running the campaign on DIR; prints the job id. Log: $WORK/NAME.out.
sbatch_campaign() {
  local name=$1 dir=$2
  shift 2
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  DCKPT_DIR=$dir sbatch --parsable --job-name="$name" --output="$WORK/$name.out" \
    ${opts[@]+"${opts[@]}"} "$JOB_SCRIPT" "$CAMPAIGN" "$dir" "$@"
}

# submit_running NAME DIR SBATCH_OPTS...: submits the campaign on DIR with the
# test's `work`, slowed to 50 ms a step, dumping its results to $WORK/out.txt;
# waits until the job runs and its trials have started (DIR.ready: a state,
# not a time); prints the job id.
submit_running() {
  local name=$1 dir=$2 id
  shift 2
  id=$(sbatch_campaign "$name" "$dir" "$@" -- \
    "${work[@]}" --sleep-us 50000 --ready "$dir.ready" --dump "$WORK/out.txt")
  wait_running "$id" 30
  wait_file "$dir.ready" 60
  echo "$id"
}

passed() { echo "$(basename "$0"): all passed in $((SECONDS - T0)) s"; }
