#!/usr/bin/env bash
# Shared runs (--shared, issue 12): NP runs of the interruption campaign at
# once on one directory, as separate launches (one of them on 2 ranks when NP
# > 2). A run ends once nothing is left for it to claim. Once a run chosen at random holds a pair's lease (and, at random, once
# that pair has a checkpoint), it is SIGKILLed; with NP > 2 another one is
# stopped with SIGTERM while it holds a lease, and started again. Every other
# run must exit 0; the killed run's pair is taken over and resumed from its
# checkpoint, by a run still working or by one more shared run started after
# (as a requeued task would be); the campaign must end bit-identical to the uninterrupted
# reference (final state of every trial, metrics record, table.csv), with no
# pair's lease left behind. While the runs work, a run that is not shared is
# refused naming them; a shared run is refused by a run that is not shared,
# and one with --add-trials is refused.
# EXTRA: the reference directory (fixture bench_app.reference).
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../mpi_grace.sh"
setup "$@"
interrupt_setup
runs=$NP

# wait_checkpoint LEASE: until the pair of LEASE (pair.A.T.lease) has a
# checkpoint (its progress.json), or is complete.
wait_checkpoint() {
  local b a t
  b=$(basename "$1" .lease)
  a=$(echo "$b" | cut -d. -f2) t=$(echo "$b" | cut -d. -f3)
  for _ in $(seq 3000); do
    [ -e "$dir/algorithm_$a/trial_$t/progress.json" ] && return 0
    sleep 0.02
  done
  fail "pair ($a, $t) saved no checkpoint in 60 s"
}

declare -a pids nps
for i in $(seq 0 $((runs - 1))); do
  np=0
  [ "$runs" -gt 2 ] && [ "$i" = 1 ] && np=2
  nps[$i]=$np
  bg "$np" "$cfg" --checkpoint-dir "$dir" --shared --quiet >"$WORK/run$i.log" 2>&1
  pids[$i]=$PID
done
# the victims are singletons (their pid is the lease holder's)
victim=0
[ $((RANDOM % 2)) = 1 ] && victim=$((runs - 1))
note "$runs shared runs (ranks: ${nps[*]}); run $victim (pid ${pids[$victim]}) is the victim"

lease=$(wait_lease "${pids[$victim]}")
note "run $victim holds $(basename "$lease")"

# a run that is not shared is refused, naming the shared runs
expect 1 run 0 "$cfg" --checkpoint-dir "$dir" --quiet
# (named: registered shared runs, or the shared run that sets up just then)
grep_in "$WORK/last.err" "shared run"
grep -qE "pid ($(IFS='|'; echo "${pids[*]}")) on host" "$WORK/last.err" ||
  [ "$runs" -gt 2 ] || { cat "$WORK/last.err" >&2; fail "the refusal names no shared run"; }
note "a run that is not shared was refused: $(head -c 300 "$WORK/last.err")"

if [ $((RANDOM % 2)) = 1 ]; then
  wait_checkpoint "$lease"
  note "its pair has a checkpoint"
fi
kill -KILL "${pids[$victim]}"
set +e; wait "${pids[$victim]}"; code=$?; set -e
[ "$code" = 137 ] || fail "the victim exited $code before the SIGKILL"
note "run $victim SIGKILLed holding $(basename "$lease")"

if [ "$runs" -gt 2 ]; then
  # another singleton stopped with SIGTERM while it holds a lease, restarted
  s=2
  [ "$victim" = 2 ] && s=3
  if f=$(wait_lease "${pids[$s]}" 2>/dev/null); then
    kill -TERM "${pids[$s]}"
    set +e; wait "${pids[$s]}"; code=$?; set -e
    note "run $s stopped with SIGTERM holding $(basename "$f") -> exit $code"
    [ "$code" = 75 ] || [ "$code" = 0 ] || fail "run $s exited $code after SIGTERM"
    bg 0 "$cfg" --checkpoint-dir "$dir" --shared --quiet >"$WORK/run$s.again.log" 2>&1
    pids[$s]=$PID
    note "run $s started again"
  fi
fi

for i in $(seq 0 $((runs - 1))); do
  [ "$i" = "$victim" ] && continue
  set +e; wait "${pids[$i]}"; code=$?; set -e
  if [ "$code" != 0 ]; then
    cat "$WORK"/run*.log >&2
    fail "run $i exited $code"
  fi
done
note "every other run exited 0"

# the others may have ended before the victim died, leaving its pair: one
# more shared run (a requeue) takes it over, or finds the campaign complete
expect 0 run 0 "$cfg" --checkpoint-dir "$dir" --shared --quiet
note "one more shared run exited 0: $(n_complete "$dir") trials complete"

shared_like_reference

if [ "$runs" = 2 ]; then
  # the other way round: a shared run is refused by a run that is not shared
  other=$WORK/exclusive
  bg 0 "$cfg" --checkpoint-dir "$other" --quiet >"$WORK/exclusive.log" 2>&1
  xpid=$PID
  wait_lock "$other" "$xpid" || fail "the run that is not shared ended at once"
  expect 1 run 0 "$cfg" --checkpoint-dir "$other" --shared --quiet
  grep_in "$WORK/last.err" "not shared"
  grep_in "$WORK/last.err" "pid $xpid"
  note "a shared run was refused by a run that is not shared"
  # additions are not idempotent across runs: refused, totals asked for
  expect 1 run 0 "$cfg" --checkpoint-dir "$dir" --shared --add-trials 1 --quiet
  grep_in "$WORK/last.err" "ask for the totals"
  note "a shared run with --add-trials was refused"
  kill -TERM "$xpid"
  set +e; wait "$xpid"; set -e
fi

# the finished campaign, opened by a run that is not shared: the killed
# run's registration is stale and does not count
finish_like_reference 0
echo "shared.sh: all passed"
