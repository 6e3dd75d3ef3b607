#!/usr/bin/env bash
# The ancestor's resume tests (REFERENCE.md items 12-13) through dckpt_run:
# more trials, more iterations, both, and a trial cut back to an earlier
# iteration, each equal to a fresh uninterrupted run of the final size, for
# several seeds, at NP ranks.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
np=$(echo "$MPIRUN" | awk '{print $3}')
base=(--iters 30,20,10 --trials 2 --step 3 --keep 100 --no-fsync)
big=(--iters 45,35,25 --trials 4 --step 3 --keep 100 --no-fsync)

for seed in 1 2 3; do
  d="$WORK/s$seed"
  expect 0 run 0 "$d/fresh-trials" "${base[@]}" --trials 4 --seed $seed --dump "$d/fresh-trials.txt"
  expect 0 run 0 "$d/fresh-iters" "${base[@]}" --iters 45,35,25 --seed $seed --dump "$d/fresh-iters.txt"
  expect 0 run 0 "$d/fresh-both" "${big[@]}" --seed $seed --dump "$d/fresh-both.txt"

  expect 0 run "$np" "$d/t" "${base[@]}" --seed $seed
  expect 0 run "$np" "$d/t" "${base[@]}" --seed $seed --add-trials 2 --dump "$d/t.txt"
  same "$d/fresh-trials.txt" "$d/t.txt"

  expect 0 run "$np" "$d/i" "${base[@]}" --seed $seed
  expect 0 run "$np" "$d/i" "${base[@]}" --seed $seed --add-iterations 15 --dump "$d/i.txt"
  same "$d/fresh-iters.txt" "$d/i.txt"

  expect 0 run "$np" "$d/b" "${base[@]}" --seed $seed
  expect 0 run "$np" "$d/b" "${base[@]}" --seed $seed --add-trials 2 --add-iterations 15 --dump "$d/b.txt"
  same "$d/fresh-both.txt" "$d/b.txt"
  # a second resume without additions changes nothing (the ancestor reverted)
  expect 0 run "$np" "$d/b" "${base[@]}" --seed $seed --dump "$d/b2.txt"
  same "$d/fresh-both.txt" "$d/b2.txt"

  # cut trial 1 of 'walk' back to iteration 14: later checkpoints go,
  # progress.json names 14, the trial is no longer complete
  expect 0 run "$np" "$d/c" "${base[@]}" --seed $seed --dump "$d/c0.txt"
  tdir="$d/c/algorithm_0/trial_1"
  for f in "$tdir"/checkpoint_*.dckpt; do
    it=$(basename "$f" .dckpt); it=$((10#${it#checkpoint_}))
    [ "$it" -gt 14 ] && rm "$f"
  done
  rm "$tdir/complete.json"
  echo '{"last_completed_iteration":14}' >"$tdir/progress.json"
  expect 0 run "$np" "$d/c" "${base[@]}" --seed $seed --dump "$d/c.txt"
  grep -q "1 run" "$WORK/last.log" || fail "cut-back trial was not rerun"
  same "$d/c0.txt" "$d/c.txt"
  # growing a trial whose last iteration is off the metrics grid
  expect 0 run 0 "$d/fresh-period" "${base[@]}" --iters 45,35,25 --period 4 --seed $seed \
    --dump "$d/fresh-period.txt"
  expect 0 run "$np" "$d/g" "${base[@]}" --period 4 --seed $seed
  expect 0 run "$np" "$d/g" "${base[@]}" --period 4 --seed $seed --add-iterations 15 \
    --dump "$d/g.txt"
  same "$d/fresh-period.txt" "$d/g.txt"
  note "seed $seed: trials, iterations, both, repeat, cut-back, off-grid growth all equal fresh runs"
done
echo "resume.sh: all passed"
