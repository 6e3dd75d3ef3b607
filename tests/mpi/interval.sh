#!/usr/bin/env bash
# Checkpoints by time (checkpoint_interval), decided by state: the campaign's
# --fake-clock makes step k of a trial advance the interval's clock by
# 1 + k % 3 "seconds", so the iterations the checkpoints must fall on are
# known here in advance, whatever the machine's speed.
#  1. With the interval alone, every trial's checkpoints are exactly the
#     iterations the rule names, with saves in the background and without.
#  2. A SIGKILL (the process kills itself at a given step) loses at most the
#     interval: the committed checkpoint is the last one due before the kill
#     (saves on the loop's thread), or the one before it (one save may still
#     be in flight on the writer thread).
#  3. Resumed, with any interval or none, the campaign ends bit-identical to
#     an uninterrupted run without periodic checkpoints.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
ITERS=40,30,20
INTERVAL=10
common=(--iters "$ITERS" --trials 3 --no-fsync --quiet)

expect 0 run 0 "$WORK/ref" "${common[@]}" --step 100000 --dump "$WORK/ref.txt"

# due ITERATIONS [STEP]: the iterations after which a checkpoint is due in a
# trial that starts at iteration 0: every STEP iterations (0: never) or once
# INTERVAL has gone by on the fake clock since the last checkpoint, each of
# which restarts the interval (the last iteration has its final save anyway)
due() {
  awk -v n="$1" -v step="${2:-0}" -v iv="$INTERVAL" 'BEGIN {
    c = 0; last = 0
    for (k = 0; k < n - 1; k++) {
      c += 1 + k % 3
      if ((step > 0 && (k + 1) % step == 0) || c - last >= iv) { printf "%d ", k; last = c }
    }
  }'
}

# on_disk DIR A T: the iterations of the checkpoints of trial T of algorithm A
on_disk() {
  ls "$1/algorithm_$2/trial_$3" | sed -n 's/^checkpoint_0*\([0-9][0-9]*\)\.dckpt$/\1/p' \
    | sort -n | tr '\n' ' '
}

IFS=, read -r -a n_iters <<<"$ITERS"
for step in 0 7; do
  for mode in sync background; do
    what="interval alone"
    [ "$step" != 0 ] && what="interval and step $step"
    note "1. $what, saves $mode: checkpoints where the rule says"
    extra=(--step 100000)
    [ "$step" != 0 ] && extra=(--step "$step")
    [ "$mode" = sync ] && extra+=(--sync-checkpoints)
    dir="$WORK/rule-$step-$mode"
    expect 0 run 0 "$dir" "${common[@]}" --keep 1000 --interval "$INTERVAL" --fake-clock \
      "${extra[@]}" --dump "$WORK/rule.txt"
    same "$WORK/ref.txt" "$WORK/rule.txt"
    for a in 0 1 2; do
      n=${n_iters[$a]}
      want="$(due "$n" "$step")$((n - 1)) "
      for t in 0 1 2; do
        got=$(on_disk "$dir" "$a" "$t")
        [ "$got" = "$want" ] \
          || fail "$what, $mode: algorithm $a trial $t has checkpoints '$got', the rule says '$want'"
      done
    done
  done
done

# last_due N ITERATIONS [SKIP]: the last iteration due before step N runs,
# i.e. the newest one below N (SKIP=1: the one before that), or -1
last_due() {
  local list=($(due "$2")) pick=-1 i
  for ((i = ${#list[@]} - 1; i >= 0; i--)); do
    if [ "${list[$i]}" -lt "$1" ]; then pick=$((i - ${3:-0})); break; fi
  done
  if [ "$pick" -lt 0 ]; then echo -1; else echo "${list[$pick]}"; fi
}

kill_alg=1 kill_trial=1 kill_iter=23
for mode in sync background; do
  note "2. SIGKILL at step $kill_iter of algorithm $kill_alg trial $kill_trial, saves $mode"
  extra=()
  [ "$mode" = sync ] && extra=(--sync-checkpoints)
  dir="$WORK/kill-$mode"
  expect 137 run 0 "$dir" "${common[@]}" --step 100000 --interval "$INTERVAL" \
    --fake-clock --kill-at "$kill_alg:$kill_trial:$kill_iter" "${extra[@]}"
  progress="$dir/algorithm_$kill_alg/trial_$kill_trial/progress.json"
  [ -f "$progress" ] || fail "$mode: no checkpoint was committed before the kill"
  got=$(sed -n 's/.*"last_completed_iteration": *\([0-9-]*\).*/\1/p' "$progress")
  n=${n_iters[$kill_alg]}
  newest=$(last_due "$kill_iter" "$n") before=$(last_due "$kill_iter" "$n" 1)
  if [ "$mode" = sync ]; then
    [ "$got" = "$newest" ] || fail "sync: committed checkpoint $got, the last one due was $newest"
  else
    [ "$got" = "$newest" ] || [ "$got" = "$before" ] \
      || fail "background: committed checkpoint $got, wanted $newest or (in flight) $before"
  fi
  # what the kill lost, on the interval's clock (steps a+1 .. kill_iter-1):
  # less than the interval since the newest checkpoint taken, committed
  # (sync) or still being written when the kill came (background)
  lost_since() {
    awk -v a="$1" -v b="$kill_iter" 'BEGIN { s = 0; for (k = a + 1; k < b; k++) s += 1 + k % 3; print s }'
  }
  lost=$(lost_since "$newest")
  [ "$lost" -lt "$INTERVAL" ] || fail "$mode: $lost s of work since the last checkpoint taken"
  note "$mode: committed $got, lost $(lost_since "$got") s of work (interval $INTERVAL s)"

  note "3. resumed ($mode kill) with another interval: bit-identical"
  expect 0 run 0 "$dir" "${common[@]}" --step 100000 --interval 7 --fake-clock \
    --dump "$WORK/kill-$mode.txt"
  same "$WORK/ref.txt" "$WORK/kill-$mode.txt"
done

note "3. interval with step on the real clock, stopped by a failure and resumed with neither: bit-identical"
expect 1 run 0 "$WORK/mixed" "${common[@]}" --step 4 --interval 0.0001 --fail-at 2:2:15
expect 0 run 0 "$WORK/mixed" "${common[@]}" --step 100000 --dump "$WORK/mixed.txt"
same "$WORK/ref.txt" "$WORK/mixed.txt"

note "4. a bad interval is refused"
expect 1 run 0 "$WORK/bad" "${common[@]}" --interval -1
grep -q "checkpoint_interval must be" "$WORK/last.log" || { cat "$WORK/last.log"; fail "no message for --interval -1"; }
echo "interval.sh: all passed"
