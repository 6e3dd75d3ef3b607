#!/usr/bin/env bash
# The background checkpoint writer (background_checkpoints, the default)
# against synchronous saves (--sync-checkpoints):
#  1. the same checkpoints are committed (files kept, progress.json,
#     complete.json) and the same results come out, on 1 and NP ranks;
#  2. a save that fails in the background is reported as the synchronous
#     failure is (same message, exit 1) and leaves the previous checkpoint
#     committed; the trial finishes once the cause is gone;
#  3. a checkpoint after every iteration (the writer always busy, the loop
#     waiting for it) SIGKILLed at random moments: the directory verifies
#     after every kill, and the resumed campaign ends bit-identical to an
#     uninterrupted synchronous one. A record handed to the writer that still
#     borrowed the state would hold later iterations' values than its RNG and
#     iteration, and the resumed results would differ.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
np=$(echo "$MPIRUN" | awk '{print $3}')

# committed DIR: what a run left in its trial directories (names and markers;
# each run has its own run id, so ids are left out)
committed() {
  (cd "$1" && for d in algorithm_*/trial_*; do
     echo "$d: $(ls "$d" | grep -v '^\.' | tr '\n' ' ')"
     cat "$d/progress.json"
     [ -e "$d/complete.json" ] && cat "$d/complete.json" && echo
   done) | sed -E 's/"run":"[0-9a-f]+"/"run":"ID"/'
}

note "1. same checkpoints and results as synchronous saves"
for n in 0 "$np"; do
  for cfg in "--step 3 --keep 3" "--step 1 --keep 1" "--step 7 --keep 2 --period 4"; do
    # shellcheck disable=SC2086
    expect 0 run "$n" "$WORK/s" $cfg --sync-checkpoints --dump "$WORK/s.txt"
    # shellcheck disable=SC2086
    expect 0 run "$n" "$WORK/b" $cfg --dump "$WORK/b.txt"
    same "$WORK/s.txt" "$WORK/b.txt"
    committed "$WORK/s" >"$WORK/s.committed"
    committed "$WORK/b" >"$WORK/b.committed"
    same "$WORK/s.committed" "$WORK/b.committed"
    rm -rf "$WORK/s" "$WORK/b"
  done
done
expect 0 run 0 "$WORK/ref" --sync-checkpoints --dump "$WORK/ref.txt"

note "2. a failed background save is reported as a synchronous one"
# 'mix' trial 1 (5 iterations per checkpoint) blocks the path of its
# checkpoint 9 at iteration 7, once checkpoint 4 is committed.
for mode in sync background; do
  extra=$([ $mode = sync ] && echo --sync-checkpoints || true)
  # shellcheck disable=SC2086
  expect 1 run 0 "$WORK/f-$mode" --block-at 1:1:7 $extra
  # the same report but for the iterations run, the directory and the pid
  grep "^status" "$WORK/last.log" | sed -E "s/ run, .* s; /; /; s/f-$mode/f-MODE/g;
    s/dckpt\.[0-9]+\./dckpt.PID./g" >"$WORK/f-$mode.status"
  grep -q "^status EIO: .*; rank 0: algorithm 'mix' trial 1: .*checkpoint_0000009" \
    "$WORK/f-$mode.status" || { cat "$WORK/last.log"; fail "$mode: failure report"; }
  d="$WORK/f-$mode/algorithm_1/trial_1"
  grep -q '"last_completed_iteration":4' "$d/progress.json" \
    || fail "$mode: the checkpoint before the failed save is not the committed one"
  [ -f "$d/checkpoint_0000004.dckpt" ] || fail "$mode: checkpoint 4 is gone"
  [ ! -e "$d/complete.json" ] || fail "$mode: marked complete"
  rmdir "$d/checkpoint_0000009.dckpt"
  expect 0 run 0 "$WORK/f-$mode" --verify
  expect 0 run 0 "$WORK/f-$mode" $extra --dump "$WORK/f.txt"
  same "$WORK/ref.txt" "$WORK/f.txt"
done
same "$WORK/f-sync.status" "$WORK/f-background.status"

note "3. a checkpoint every iteration, SIGKILLed at random moments"
args=(--iters 800,600,400 --trials 3 --step 1 --keep 2 --seed 5)
expect 0 run 0 "$WORK/kref" "${args[@]}" --sync-checkpoints --no-fsync --dump "$WORK/kref.txt"
seed=${WRITER_SEED:-$RANDOM}
echo "random schedule from seed $seed"
RANDOM=$seed
for round in $(seq 1 8); do
  n=$([ $((round % 2)) = 0 ] && echo "$np" || echo 0)
  sync=$([ $((RANDOM % 3)) = 0 ] && echo --no-fsync || true)
  delay=$(printf '0.%02d' $((30 + RANDOM % 60)))
  # shellcheck disable=SC2086
  bg "$n" "$WORK/k" "${args[@]}" --sleep-us 300 $sync >"$WORK/bg.log" 2>&1
  pid=$PID
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  set +e; wait "$pid"; code=$?; set -e
  # a SIGKILLed mpirun leaves its ranks running: kill them too
  for _ in $(seq 50); do
    pkill -KILL -f "^$CAMPAIGN $WORK/k " 2>/dev/null || break
    sleep 0.1
  done
  note "round $round: np=$n ${sync:-durable}, SIGKILL after ${delay}s -> exit $code"
  # killed before initialize wrote metadata.json: no run yet (the next
  # round starts it), nothing to verify
  [ -e "$WORK/k/metadata.json" ] || continue
  expect 0 run 0 "$WORK/k" --verify
done
expect 0 run "$np" "$WORK/k" "${args[@]}" --no-fsync --dump "$WORK/k.txt"
same "$WORK/kref.txt" "$WORK/k.txt"
expect 0 run 0 "$WORK/k" --verify
echo "writer.sh: all passed"
