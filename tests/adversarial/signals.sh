#!/usr/bin/env bash
# Stop requests from the first instant: SIGTERM, SIGINT or SIGUSR1 at a random
# moment 0-600 ms after launch — while the program is still being loaded, in
# MPI start-up, reading its configuration, initializing or loading the
# directory, or running — as a singleton and to every rank of an mpirun job
# (as Slurm signals a job's tasks). Each run ends with exit 75 and
# run_status.json saying so (or, when the signal came after the campaign was
# done, 0 and a complete campaign), and a resume ends bit-identical to an
# uninterrupted run. ADV_SIGNAL_ROUNDS sets the number of rounds (default 9).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../mpi_grace.sh"
setup "$@"
SEED=${ADV_SEED:-$SEED}
echo "random schedule from seed $SEED (ADV_SEED=$SEED replays it)"
RANDOM=$SEED
cfg=$WORK/long.json
small_config "$cfg" "${ADV_LONG_ITERATIONS:-60000}"
sed -i 's/"step": 40, "keep": 100/"step": 2000, "keep": 2/' "$cfg"
expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/ref" --quiet
digest "$WORK/ref" "$WORK/ref.digest"
cp "$WORK/ref/results/table.csv" "$WORK/ref.table.csv"

signals=(TERM INT USR1)
rounds=${ADV_SIGNAL_ROUNDS:-9}
for ((i = 0; i < rounds; i++)); do
  # the first rounds hit the first 20 ms (the program still being loaded)
  np=$((i % 3)) sig=${signals[RANDOM % 3]} ms=$((i < 3 ? RANDOM % 21 : RANDOM % 601))
  d=$WORK/run$i
  where="singleton"
  [ "$np" -gt 0 ] && where="$np rank(s) under mpirun"
  note "round $i: SIG$sig ${ms} ms after launch, $where"
  bg "$np" "$cfg" --checkpoint-dir "$d" --quiet >"$WORK/bg.out" 2>"$WORK/bg.err"
  if [ "$np" -gt 0 ]; then
    # every rank process exists (a state), then the delay, then all of them
    pattern="^$BENCH .*--checkpoint-dir $d( |\$)"
    until [ "$(pgrep -fc "$pattern" || true)" -ge "$np" ]; do
      kill -0 "$PID" 2>/dev/null || { cat "$WORK/bg.err"; fail "the job ended before its ranks ran"; }
      sleep 0.005
    done
    sleep "$(printf '0.%03d' "$ms")"
    pkill "-$sig" -f "$pattern" || true
  else
    sleep "$(printf '0.%03d' "$ms")"
    kill "-$sig" "$PID" 2>/dev/null || true
  fi
  set +e; wait "$PID"; code=$?; set -e
  status=$(status_code "$d")
  if [ "$np" = 0 ] && [ "$code" != 75 ] && [ "$code" != 0 ]; then
    cat "$WORK/bg.err"; fail "round $i: exit $code, wanted 75 (or 0 for a finished campaign)"
  fi
  case $status in
    75) grep -q EINTERRUPTED "$d/run_status.json" || fail "round $i: run_status.json" ;;
    # a campaign done before the signal came: all 9 pairs (3 algorithms x 3
    # trials, small_config) complete. (This said 27, so a round whose
    # campaign finished first failed: seed 16433, round 5.)
    0) [ "$(n_complete "$d")" = 9 ] || fail "round $i: run_status.json says 0 but trials are left" ;;
    *) cat "$WORK/bg.err"; fail "round $i: run_status.json says '$status' (launcher exit $code)" ;;
  esac
  note "round $i: exit $code, run_status.json $status"
  expect 0 run "$np" "$cfg" --checkpoint-dir "$d" --quiet
  digest "$d" "$WORK/run.digest"
  same "$WORK/ref.digest" "$WORK/run.digest"
  same "$WORK/ref.table.csv" "$d/results/table.csv"
  rm -rf "$d"
done
echo "signals.sh: all passed"
