#!/usr/bin/env bash
# Submits a chain of N jobs of dckpt-job.sbatch, each starting when the one
# before it has ended (--dependency=afterany), for clusters where a job may not
# requeue itself, or to spread a campaign over several shorter jobs.
#
#   slurm/submit-chain.sh [-n N] [SBATCH OPTIONS...] [-- PROGRAM ARGS...]
#
# e.g.  DCKPT_DIR=$PWD/run slurm/submit-chain.sh -n 5 --time=2:00:00 --ntasks=16
#       slurm/submit-chain.sh -n 3 --time=30 -- ./campaign "$PWD/run" --trials 8
#
# Every job resumes the run in DCKPT_DIR where the one before stopped (each
# stops before its own time limit, exit 75, without requeueing itself). A job
# that starts after an earlier job of the chain completed the run exits at
# once (so does one after a failure). Prints the job ids, one per line.
#
# Settings (environment):
#   DCKPT_CHAIN_LENGTH  N when -n is not given (default 3)
#   DCKPT_JOB_SCRIPT    the batch script (default: dckpt-job.sbatch beside this one)
#   DCKPT_DIR and the other DCKPT_* settings of dckpt-job.sbatch are passed on
#   through the environment (sbatch exports it: keep --export at ALL).
# Exported to the jobs: DCKPT_REQUEUE=0 and DCKPT_CHAIN_SINCE (now, epoch s).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
script=${DCKPT_JOB_SCRIPT:-$here/dckpt-job.sbatch}
n=${DCKPT_CHAIN_LENGTH:-3}

usage() {
  sed -n 's/^# \{0,1\}//; 2,/^set -euo/p' "$0" | sed '$d' >&2
  exit 2
}

if [ "${1:-}" = -n ]; then
  [ $# -ge 2 ] || usage
  n=$2
  shift 2
fi
case $n in '' | *[!0-9]* | 0) echo "submit-chain: -n wants a count >= 1, not '$n'" >&2; exit 2 ;; esac
[ -r "$script" ] || { echo "submit-chain: no batch script '$script'" >&2; exit 2; }

sbatch_opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in -h | --help) usage ;; esac
  sbatch_opts+=("$1")
  shift
done
[ "${1:-}" = -- ] && shift
# What is left are the program and its arguments (may be none).

DCKPT_REQUEUE=0
DCKPT_CHAIN_SINCE=$(date +%s)
export DCKPT_REQUEUE DCKPT_CHAIN_SINCE

prev=""
for i in $(seq "$n"); do
  dep=()
  [ -n "$prev" ] && dep=(--dependency="afterany:$prev")
  out=$(sbatch --parsable ${dep[@]+"${dep[@]}"} ${sbatch_opts[@]+"${sbatch_opts[@]}"} \
    "$script" "$@")
  id=${out%%;*}
  echo "submit-chain: job $i of $n: $id${prev:+ (after $prev)}" >&2
  echo "$id"
  prev=$id
done
