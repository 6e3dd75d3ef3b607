#!/usr/bin/env bash
# Determinism under any interruption: a campaign SIGKILLed (the whole launcher)
# or stopped by signal at random moments, resumed again and again on varying
# rank counts (including a singleton without mpirun), ends bit-identical to an
# uninterrupted run.
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../mpi_grace.sh"
setup "$@"
maxnp=$(echo "$MPIRUN" | awk '{print $3}')
args=(--iters 700,500,300 --trials 3 --step 7 --keep 2 --seed 99)

expect 0 run 0 "$WORK/ref" "${args[@]}" --dump "$WORK/ref.txt"
seed=${ELASTIC_SEED:-$RANDOM}
echo "random schedule from seed $seed"
RANDOM=$seed
counts=(1 2 "$maxnp" 0 3)
for round in $(seq 1 8); do
  np=${counts[$((RANDOM % ${#counts[@]}))]}
  delay=$(printf '0.%02d' $((20 + RANDOM % 70)))
  how=$([ $((RANDOM % 2)) = 0 ] && echo KILL || echo TERM)
  bg "$np" "$WORK/run" "${args[@]}" --sleep-us 2000 >"$WORK/bg.log" 2>&1
  pid=$PID
  sleep "$delay"
  if [ "$how" = KILL ]; then
    kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  set +e; wait "$pid"; code=$?; set -e
  note "round $round: np=$np, SIG$how after ${delay}s -> exit $code"
  # after SIGKILL anything goes; after SIGTERM the ranks must have stopped
  # cleanly (a signalled mpirun itself reports 1)
  if [ "$how" = TERM ]; then
    case "$code" in 0|75) ;;
      # no status line: the signal came before the ranks were up (slow under
      # sanitizers) and the launcher killed them; that is a kill, also fine
      1|143) grep -qE "status (EINTERRUPTED|OK)" "$WORK/bg.log" || note "round $round: stopped before start-up ended" ;;
      *) cat "$WORK/bg.log"; fail "unexpected exit $code" ;;
    esac
  fi
  # a SIGKILLed mpirun leaves its ranks running (they would hold the lock, as
  # they should): a crash of the whole job means killing them too
  for _ in $(seq 50); do
    pkill -KILL -f "^$CAMPAIGN $WORK/run " 2>/dev/null || break
    sleep 0.1
  done
done
expect 0 run 2 "$WORK/run" "${args[@]}" --dump "$WORK/out.txt"
same "$WORK/ref.txt" "$WORK/out.txt"
echo "elastic.sh: all passed"
