#!/usr/bin/env bash
# Stop requests on NP ranks: SIGTERM to the launcher, SIGUSR1 and SIGINT to
# the ranks, a HALT file, a deadline. Each must end the run with exit 75 after
# every rank checkpointed its trial at the current iteration (no periodic
# checkpoints are taken here, so any progress.json proves a stop checkpoint),
# and the resumed run must equal an uninterrupted one.
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../mpi_grace.sh"
setup "$@"
np=$(echo "$MPIRUN" | awk '{print $3}')
slow=(--sleep-us 5000 --iters 400,300,200 --step 100000 --trials 2)

expect 0 run 0 "$WORK/ref" --iters 400,300,200 --trials 2 --dump "$WORK/ref.txt"

# launch DIR: starts the campaign in the background (PID) and returns once
# trials are running (one reached its third iteration: --ready), which is
# after the signal handlers are in place; waits on that state, not on a time
launch() {
  rm -f "$1.ready"
  bg "$np" "$1" "${slow[@]}" --ready "$1.ready" >"$WORK/bg.log" 2>&1
  while [ ! -e "$1.ready" ]; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/bg.log"; fail "$1: the run ended before its trials ran"; }
    sleep 0.05
  done
}

# stopped_checkpoints DIR: counts trials that hold a stop checkpoint
stopped_checkpoints() {
  local n=0
  for p in "$1"/algorithm_*/trial_*/progress.json; do
    [ -e "$p" ] || continue
    [ -e "$(dirname "$p")/complete.json" ] && continue
    n=$((n + 1))
  done
  echo "$n"
}

finish() { # DIR NAME [any]: waits for 75, checks checkpoints, resumes, compares
  set +e; wait "$PID"; local code=$?; set -e
  # a signalled mpirun exits with its own status; the ranks' verdict is in
  # run_status.json either way
  if [ "${3:-}" != any ]; then
    [ "$code" = 75 ] || { cat "$WORK/bg.log"; fail "$2: exit $code, wanted 75"; }
  fi
  grep -q '"exit_code":75' "$1/run_status.json" || fail "$2: run_status.json does not say 75"
  grep -q "EINTERRUPTED" "$WORK/bg.log" || { cat "$WORK/bg.log"; fail "$2: no interrupted report"; }
  local n; n=$(stopped_checkpoints "$1")
  if [ "$n" -lt 1 ]; then
    cat "$WORK/bg.log"; find "$1" | sort; cat "$1/run_status.json"
    fail "$2: no trial was checkpointed at its current iteration"
  fi
  note "$2: exit 75, $n trial(s) checkpointed mid-run"
  rm -f "$1/HALT"
  expect 0 run "$np" "$1" --iters 400,300,200 --trials 2 --step 100000 --dump "$WORK/out.txt"
  same "$WORK/ref.txt" "$WORK/out.txt"
}

note "SIGTERM to the launcher"
# Open MPI's mpirun, on SIGTERM, sends its ranks SIGCONT, waits
# odls_base_sigkill_timeout seconds (1 by default), sends SIGTERM, waits as
# long again, then SIGKILL. Trials still run during the first wait: with the
# default 1 s a trial of 200 iterations x 5 ms could complete in it and the
# next one just begin, so that no trial is mid-run when SIGTERM comes. This
# script waits 3 s (tests/mpi_grace.sh); here the shortest trial takes 8 s
# (40 ms per iteration).
slow_saved=("${slow[@]}")
slow=(--sleep-us 40000 --iters 400,300,200 --step 100000 --trials 2)
launch "$WORK/term"; kill -TERM "$PID"; finish "$WORK/term" SIGTERM any
slow=("${slow_saved[@]}")

note "SIGUSR1 to the ranks"
launch "$WORK/usr1"; pkill -USR1 -f "campaign $WORK/usr1 " ; finish "$WORK/usr1" SIGUSR1

note "SIGINT to launcher and ranks (Ctrl-C on a terminal)"
# (the ranks get SIGINT at once; mpirun's own SIGTERM and SIGKILL follow
# after 3 s each, time enough for their checkpoints on a loaded machine)
launch "$WORK/int"; pkill -INT -f "campaign $WORK/int "; finish "$WORK/int" SIGINT any

note "HALT file"
launch "$WORK/halt"; touch "$WORK/halt/HALT"; finish "$WORK/halt" HALT

note "HALT present before the start: nothing runs, exit 75"
mkdir -p "$WORK/pre" && touch "$WORK/pre/HALT"
expect 75 run "$np" "$WORK/pre" "${slow[@]}"
grep -q "status EINTERRUPTED: 0/6 pairs complete, 0 run" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "a run with HALT present did not stop at once"; }
rm "$WORK/pre/HALT"

note "a named run's own HALT (DIR/runs/NAME/HALT, dckpt_halt_path): it stops that name only"
mkdir -p "$WORK/own/runs/n1" && touch "$WORK/own/runs/n1/HALT"
expect 75 run "$np" "$WORK/own" "${slow[@]}" --run-name n1
grep -q "status EINTERRUPTED: 0/6 pairs complete, 0 run" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "a run with its own HALT present did not stop at once"; }
grep -qF "found the halt file '$WORK/own/runs/n1/HALT'" "$WORK/own/run_status.json" \
  || { cat "$WORK/own/run_status.json"; fail "the named run's stop does not name its HALT"; }
expect 0 run "$np" "$WORK/own" --iters 400,300,200 --trials 2 --step 100000 --run-name n2
rm -r "$WORK/own"

note "deadline"
# 8 s ahead (from a whole-second clock): room for a slow start under ASan on
# a loaded machine. At 60 ms per iteration even the shortest trial (200
# iterations) takes 12 s, longer than the whole deadline, so whichever trial
# runs first is still running when the deadline comes, however slowly the
# machine starts the run or runs its iterations. (At 20 ms, on a machine at
# load 14, the first trial ended 0.8 s before the deadline and the run
# rightly stopped between trials, with none mid-run to check.)
bg "$np" "$WORK/dl" --sleep-us 60000 --iters 400,300,200 --step 100000 --trials 2 \
  --deadline-in 8 --margin 0.5 >"$WORK/bg.log" 2>&1
finish "$WORK/dl" deadline
grep -q "deadline" "$WORK/bg.log" || fail "deadline: reason not logged"
echo "stop.sh: all passed"
