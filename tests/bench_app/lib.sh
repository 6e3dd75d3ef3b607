# Helpers for the dckpt-bench test scripts (tests/bench_app.cmake).
# Every script is called as
#   bash SCRIPT NP BENCH CLI DIGEST PNGCHECK WORK [EXTRA...]
# with the launcher in the environment (BENCH_APP_MPIEXEC, BENCH_APP_NPFLAG,
# BENCH_APP_PREFLAGS: FindMPI's MPIEXEC_*), and gets those as variables:
# NP (the test's rank count), BENCH (dckpt-bench), CLI (dckpt), DIGEST
# (bench_final_digest), PNGCHECK (bench_png_check), WORK (its scratch
# directory, emptied) and the array EXTRA.
# shellcheck disable=SC2034 # the variables are for the scripts that source this
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

setup() {
  NP=$1 BENCH=$2 CLI=$3 DIGEST=$4 PNGCHECK=$5 WORK=$6
  shift 6
  EXTRA=("$@")
  MPIEXEC=${BENCH_APP_MPIEXEC:-mpiexec} NPFLAG=${BENCH_APP_NPFLAG:--n}
  PREFLAGS=${BENCH_APP_PREFLAGS:-}
  rm -rf "$WORK"
  mkdir -p "$WORK"
  # The randomized tests print their seed; BENCH_APP_SEED=N replays a schedule.
  SEED=${BENCH_APP_SEED:-$(( $(date +%s%N) % 32768 ))}
}

# run NP ARGS...: dckpt-bench on NP ranks through the launcher (NP=0: a
# singleton, no launcher).
run() {
  local np=$1; shift
  if [ "$np" = 0 ]; then "$BENCH" "$@"
  else
    # shellcheck disable=SC2086 # PREFLAGS is a list of words
    "$MPIEXEC" $NPFLAG "$np" $PREFLAGS "$BENCH" "$@"
  fi
}

# bg NP ARGS...: like run, in the background; PID is the launcher itself (not
# a subshell), so that signals reach it.
bg() {
  local np=$1; shift
  if [ "$np" = 0 ]; then "$BENCH" "$@" &
  else
    # shellcheck disable=SC2086
    "$MPIEXEC" $NPFLAG "$np" $PREFLAGS "$BENCH" "$@" &
  fi
  PID=$!
}

# expect CODE CMD...: runs CMD, fails unless it exits with CODE. Its stdout is
# kept in $WORK/last.out and its stderr in $WORK/last.err.
expect() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/last.out" 2>"$WORK/last.err"
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    cat "$WORK/last.out" "$WORK/last.err" >&2
    fail "'$*' exited $got, wanted $want"
  fi
}

# grep_in FILE PATTERN: fixed-string search that shows FILE when it fails.
grep_in() {
  grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$2' not in $1"; }
}

same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 and $2 differ"; }; }

# status_code DIR: exit_code of DIR/run_status.json ("none" without the file).
status_code() {
  if [ -e "$1/run_status.json" ]; then
    sed -n 's/.*"exit_code":\([0-9]*\).*/\1/p' "$1/run_status.json"
  else echo none; fi
}

# digest DIR OUT: the final states of DIR (and its metrics record) into OUT.
digest() { "$DIGEST" "$1" --metrics >"$2" || fail "cannot digest $1"; }

# n_complete DIR: trials of DIR marked complete (0 when DIR is missing).
n_complete() {
  if [ -d "$1" ]; then find "$1" -name complete.json | wc -l; else echo 0; fi
}

# kill_orphans DIR: a SIGKILLed launcher leaves its ranks running (holding
# the lock, as they should); a crash of the whole job means killing them too.
# Only processes of this test's own campaign directory are matched.
kill_orphans() {
  for _ in $(seq 50); do
    pkill -KILL -f "^$BENCH .*--checkpoint-dir $1( |\$)" 2>/dev/null || return 0
    sleep 0.1
  done
  fail "ranks of $1 would not die"
}

. "$(dirname "${BASH_SOURCE[0]}")/../wait_lock.sh"

# The campaign that the interruption tests (kill_resume, stop_resume) share
# with their reference: logistic regression on 2000 synthetic rows over 8
# agents of an Erdos-Renyi network, the six methods (NIDS with minibatches, so
# that the RNG is drawn every iteration), 5 trials, a checkpoint every 37
# iterations. BENCH_APP_ITERATIONS (default 6000; ADMM runs 2/5 of it) sets
# the length: 6000 take about 10 s on one rank of a plain build.
write_interrupt_config() {
  local k=${BENCH_APP_ITERATIONS:-6000}
  local admm=$((k * 2 / 5))
  cat >"$1" <<EOF
{
  "name": "interrupt",
  "description": "dckpt-bench kill/stop/resume tests",
  "problem": { "type": "logistic", "lambda": 0.01, "intercept": true,
               "synthetic": { "rows": 2000, "features": 8, "seed": 11 } },
  "network": { "topology": "erdos_renyi", "agents": 8, "p": 0.4, "seed": 3 },
  "algorithms": [
    { "name": "DGD",    "method": "dgd",    "iterations": $k },
    { "name": "ATC",    "method": "atc",    "iterations": $k },
    { "name": "EXTRA",  "method": "extra",  "iterations": $k },
    { "name": "DIGing", "method": "diging", "iterations": $k },
    { "name": "NIDS",   "method": "nids",   "iterations": $k, "hyperparameters": { "batch": 5 } },
    { "name": "ADMM",   "method": "admm",   "iterations": $admm }
  ],
  "trials": 5,
  "seed": 7,
  "metrics_period": 10,
  "checkpoint": { "step": 37, "keep": 2, "compression": 1, "fsync": false }
}
EOF
}

# For the randomized interruption tests: the reference run's directory is
# EXTRA[0] (fixture bench_app.reference); sets ref, cfg (its campaign), dir
# (the run under test) and seeds $RANDOM from $SEED, printing it.
interrupt_setup() {
  ref=${EXTRA[0]}
  cfg=$ref/interrupt.json
  [ -e "$ref/ref.digest" ] || fail "no reference in $ref (fixture bench_app.reference)"
  dir=$WORK/run
  echo "random schedule from seed $SEED (BENCH_APP_SEED=$SEED replays it)"
  RANDOM=$SEED
}

# like_reference: the campaign in $dir is bit-identical to the reference:
# final states, metrics record, table.csv.
like_reference() {
  digest "$dir" "$WORK/run.digest"
  same "$ref/ref.digest" "$WORK/run.digest"
  same "$ref/ref.table.csv" "$dir/results/table.csv"
  note "final states, metrics record and table.csv equal the uninterrupted run"
}

# A clean resume on $1 ranks (0: singleton) must finish the campaign
# bit-identical to the reference.
finish_like_reference() {
  local how="on $1 ranks"
  [ "$1" = 0 ] && how="as a singleton"
  note "a clean resume $how finishes the campaign"
  expect 0 run "$1" "$cfg" --checkpoint-dir "$dir" --quiet
  [ "$(status_code "$dir")" = 0 ] || fail "run_status.json does not say 0"
  like_reference
}

# Shared runs (shared.sh, shared_exit.sh): which pair lease in $dir/leases a
# run holds.
# holds_lease PID: PID holds a pair's lease in $dir/leases (its file names it).
holds_lease() {
  grep -lsE "\"pid\": *$1[,}]" "$dir"/leases/pair.*.lease 2>/dev/null | head -1
}

# shared_like_reference: the shared runs on $dir left no pair lease behind,
# and the campaign is like_reference.
shared_like_reference() {
  local left
  left=$(find "$dir/leases" -name 'pair.*' | wc -l)
  [ "$left" = 0 ] || { ls -l "$dir/leases" >&2; fail "$left pair lease file(s) left behind"; }
  like_reference
}

# wait_lease PID: until PID holds a pair's lease; prints the lease file.
wait_lease() {
  local f
  for _ in $(seq 3000); do
    f=$(holds_lease "$1") && [ -n "$f" ] && { echo "$f"; return 0; }
    kill -0 "$1" 2>/dev/null || fail "run $1 ended before it held a lease"
    sleep 0.02
  done
  fail "run $1 held no lease in 60 s"
}
