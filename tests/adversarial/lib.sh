# Helpers of the adversarial suite (tests/adversarial.cmake): what a demanding
# user or an adversary does to a campaign directory, each case ending either
# bit-identical to an uninterrupted run or in a clear refusal, never in a
# silently different result. Scripts get the arguments of the bench_app tests
#   bash SCRIPT NP BENCH CLI DIGEST PNGCHECK WORK
# and these helpers on top of tests/bench_app/lib.sh. Random cases print
# their seed; ADV_SEED=N replays one (BENCH_APP_SEED works too).
. "$(dirname "${BASH_SOURCE[0]}")/../bench_app/lib.sh"

ITERS=${ADV_ITERATIONS:-400}

# small_config FILE [ITERATIONS]: a campaign that runs in well under a second:
# least squares on 120 synthetic rows, 4 agents on a ring, DGD, EXTRA and
# NIDS (minibatches: the RNG is drawn every iteration), 3 trials, a
# checkpoint every 40 iterations, all of them kept (cases pick among them).
small_config() {
  local k=${2:-$ITERS}
  cat >"$1" <<JSON
{
  "name": "adversarial",
  "problem": { "type": "least_squares", "lambda": 0.1,
               "synthetic": { "rows": 120, "features": 4, "seed": 5 } },
  "network": { "topology": "ring", "agents": 4 },
  "algorithms": [
    { "name": "DGD",   "method": "dgd",   "iterations": $k },
    { "name": "EXTRA", "method": "extra", "iterations": $k },
    { "name": "NIDS",  "method": "nids",  "iterations": $k, "hyperparameters": { "batch": 3 } }
  ],
  "trials": 3,
  "seed": 9,
  "metrics_period": 10,
  "checkpoint": { "step": 40, "keep": 100, "compression": 1, "fsync": false }
}
JSON
}

# edit_config IN OUT PYTHON: OUT is IN with the Python statement applied to
# the parsed config `c` (e.g. 'c["algorithms"][0]["method"] = "atc"').
edit_config() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
}

# adv_setup: seeds $RANDOM (printing the seed), writes $WORK/adv.json and runs
# the uninterrupted reference $WORK/ref (digest $WORK/ref.digest, table
# $WORK/ref.table.csv).
adv_setup() {
  SEED=${ADV_SEED:-$SEED}
  echo "random choices from seed $SEED (ADV_SEED=$SEED replays them)"
  RANDOM=$SEED
  cfg=$WORK/adv.json
  small_config "$cfg"
  expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/ref" --quiet
  digest "$WORK/ref" "$WORK/ref.digest"
  cp "$WORK/ref/results/table.csv" "$WORK/ref.table.csv"
}

# trial DIR A T: the directory of trial T of algorithm A.
trial() { echo "$1/algorithm_$2/trial_$3"; }

# cut_back DIR A T ITER: the trial as a run interrupted after its checkpoint
# of ITER left it: later checkpoints, complete.json and the results go,
# progress.json names ITER (written as an older dckpt or a user would).
cut_back() {
  local d; d=$(trial "$1" "$2" "$3")
  for f in "$d"/checkpoint_*.dckpt; do
    local it; it=$(basename "$f" .dckpt); it=$((10#${it#checkpoint_}))
    [ "$it" -gt "$4" ] && rm -f "$f"
  done
  rm -f "$d/complete.json" "$1/metric_computation_complete.json"
  rm -rf "$1/results"
  echo "{\"last_completed_iteration\":$4}" >"$d/progress.json"
}

# partial NAME: a copy of the reference with every trial cut back to a
# checkpoint in the middle (the state a stopped run leaves).
partial() {
  local d=$WORK/$1
  rm -rf "$d" && cp -a "$WORK/ref" "$d"
  for a in 0 1 2; do for t in 0 1 2; do cut_back "$d" $a $t $((ITERS / 2 - 1)); done; done
  echo "$d"
}

# like_reference DIR [NP]: a resume finishes DIR bit-identical to the
# reference (final states, metrics record, table.csv), says so in
# run_status.json, and leaves a directory that verifies clean.
like_reference() {
  expect 0 run "${2:-0}" "$cfg" --checkpoint-dir "$1" --quiet
  [ "$(status_code "$1")" = 0 ] || fail "$1: run_status.json does not say 0"
  digest "$1" "$WORK/run.digest"
  same "$WORK/ref.digest" "$WORK/run.digest"
  same "$WORK/ref.table.csv" "$1/results/table.csv"
  expect 0 "$CLI" verify "$1"
}

# tree_sum DIR: a fingerprint of everything in DIR (names, sizes, bytes) but
# the run's log (run_status.json, rewritten by every run that held the
# directory, refused or not) and the lock, to show that a refused request
# changed nothing.
tree_sum() {
  if [ -e "$1" ]; then (cd "$1" && find . -type f ! -name run_status.json ! -name dckpt.lock -print0 | sort -z | xargs -0 md5sum) | md5sum
  else echo absent; fi
}
