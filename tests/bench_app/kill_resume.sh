#!/usr/bin/env bash
# SIGKILL at random moments: the whole launcher (and then its orphaned ranks,
# as a crashed job would lose them) or a singleton, again and again, resumed
# on 1, 2, 4 ranks or as a singleton; the campaign must end bit-identical to
# the uninterrupted reference run (final state of every trial, metrics record,
# table.csv). EXTRA: the reference directory (fixture bench_app.reference),
# then flags for the interrupted runs (e.g. checkpoints by time instead).
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
interrupt_setup
counts=(1 2 4 0)
killed=0
for round in $(seq 1 8); do
  np=${counts[$((RANDOM % 4))]}
  ms=$((RANDOM % 130))
  delay=$(printf '%d.%02d' $((ms / 100)) $((ms % 100)))
  bg "$np" "$cfg" --checkpoint-dir "$dir" --quiet "${EXTRA[@]:1}" >"$WORK/bg.log" 2>&1
  pid=$PID
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  set +e; wait "$pid"; code=$?; set -e
  [ "$code" != 137 ] || killed=$((killed + 1))
  kill_orphans "$dir"
  done_pairs=$(n_complete "$dir")
  note "round $round: np=$np, SIGKILL after ${delay}s -> exit $code, $done_pairs/30 trials complete"
done
[ "$killed" -ge 3 ] || fail "only $killed of 8 rounds were killed mid-run (make the campaign longer)"

finish_like_reference 2
echo "kill_resume.sh: all passed"
