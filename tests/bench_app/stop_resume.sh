#!/usr/bin/env bash
# Stop requests at random moments: SIGTERM to the launcher (or singleton),
# SIGINT to the launcher and its ranks (Ctrl-C on a terminal), a HALT file.
# Each must end the run cleanly: DIR/run_status.json says 75 (stopped, resume
# me) or 0 (it had finished), and where the exit status is reliable (no
# launcher was signalled) it agrees. Resumed on 1, 2, 4 ranks or as a
# singleton, the campaign ends bit-identical to the uninterrupted reference.
# EXTRA: the reference directory (fixture bench_app.reference).
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../mpi_grace.sh"
setup "$@"
interrupt_setup
counts=(1 2 4 0)
kinds=(TERM INT HALT)
stopped=0
for round in $(seq 1 8); do
  np=${counts[$((RANDOM % 4))]}
  how=${kinds[$((RANDOM % 3))]}
  cs=$((5 + RANDOM % 55)) # drawn here: a $(...) subshell would reseed RANDOM
  delay=$(printf '0.%02d' "$cs")
  rm -f "$dir/run_status.json" "$dir/HALT"
  bg "$np" "$cfg" --checkpoint-dir "$dir" >"$WORK/bg.log" 2>&1
  pid=$PID
  # signal handlers are in place once the run holds its lock
  if wait_lock "$dir" "$pid"; then sleep "$delay"; fi
  case $how in
    TERM) kill -TERM "$pid" 2>/dev/null || true ;;
    INT) pkill -INT -f "$BENCH .*--checkpoint-dir $dir( |\$)" 2>/dev/null || true ;;
    HALT) touch "$dir/HALT" ;;
  esac
  set +e; wait "$pid"; code=$?; set -e
  status=$(status_code "$dir")
  note "round $round: np=$np, $how after ${delay}s -> exit $code, run_status.json $status"
  case $status in
    75) stopped=$((stopped + 1)) ;;
    0) ;;
    *) cat "$WORK/bg.log"; fail "round $round: run_status.json says '$status', wanted 75 or 0" ;;
  esac
  # the exit status is the run's own when no launcher was signalled (a
  # signalled mpirun also cuts its ranks' output short)
  if [ "$how" = HALT ] || [ "$np" = 0 ]; then
    [ "$code" = "$status" ] || { cat "$WORK/bg.log"; fail "round $round: exit $code but run_status.json says $status"; }
    if [ "$status" = 75 ]; then
      grep -qE "stopped by a stop request|stopped with [0-9]+ of 30 trials complete" "$WORK/bg.log" \
        || { cat "$WORK/bg.log"; fail "round $round: the stop is not reported"; }
    fi
  fi
  # a stopped run has no results yet
  if [ "$status" = 75 ] && [ -e "$dir/metric_computation_complete.json" ]; then
    fail "round $round: metrics computed for a campaign that is not complete"
  fi
  [ ! -e "$dir/dckpt.lock" ] || fail "round $round: the lock was left behind"
  if [ "$status" = 0 ]; then note "the campaign is complete"; break; fi
done
[ "$stopped" -ge 2 ] || fail "only $stopped of 8 rounds were stopped mid-run (make the campaign longer)"
rm -f "$dir/HALT"

finish_like_reference 0
echo "stop_resume.sh: all passed"
