# Helpers for the MPI test scripts. Every script gets: MPIRUN (the launcher
# with its -np flag and count, may be empty for a singleton), CAMPAIGN (the
# program) and WORK (a scratch directory, emptied). CAMPAIGN_ARGS in the
# environment is appended to every campaign command (e.g. --dispenser).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }
. "$(dirname "${BASH_SOURCE[0]}")/../wait_lock.sh"

setup() {
  MPIRUN=$1 CAMPAIGN=$2 WORK=$3
  rm -rf "$WORK" && mkdir -p "$WORK"
}

# run NP DIR [args...]: the campaign on NP ranks (NP=0: singleton, no mpirun).
run() {
  local np=$1; shift
  if [ "$np" = 0 ]; then "$CAMPAIGN" "$@" ${CAMPAIGN_ARGS:-}
  else ${MPIRUN%% *} -np "$np" ${MPIRUN_EXTRA:-} "$CAMPAIGN" "$@" ${CAMPAIGN_ARGS:-}; fi
}

# expect CODE CMD...: runs CMD, fails unless it exits with CODE; output kept in $WORK/last.log
expect() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/last.log" 2>&1
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    cat "$WORK/last.log" >&2
    fail "'$*' exited $got, wanted $want"
  fi
}

same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head >&2; fail "$1 and $2 differ"; }; }

# bg NP ARGS...: like run, but in the background with PID set to the launcher
# itself (not a subshell), so that signals reach it.
bg() {
  local np=$1; shift
  if [ "$np" = 0 ]; then "$CAMPAIGN" "$@" ${CAMPAIGN_ARGS:-} &
  else ${MPIRUN%% *} -np "$np" ${MPIRUN_EXTRA:-} "$CAMPAIGN" "$@" ${CAMPAIGN_ARGS:-} & fi
  PID=$!
}
