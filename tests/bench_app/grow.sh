#!/usr/bin/env bash
# Growing a campaign (REFERENCE.md, resume_benchmark): --add-trials,
# --add-iterations and both, on a finished campaign and on a stopped one, at
# NP ranks, each equal to a fresh campaign of the final size (final state of
# every trial, metrics record, table.csv); a resume without additions keeps
# the grown plan; --backup zips the directory first.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"

# grow_config FILE ITERS_EXTRA ITERS_NIDS ITERS_ADMM TRIALS
grow_config() {
  cat >"$1" <<JSON
{
  "name": "grow",
  "problem": { "type": "least_squares", "lambda": 0.001,
               "synthetic": { "rows": 240, "features": 6, "noise": 0.2, "seed": 9 } },
  "network": { "topology": "regular", "agents": 8, "degree": 4 },
  "algorithms": [
    { "name": "EXTRA", "method": "extra", "iterations": $2 },
    { "name": "NIDS",  "method": "nids",  "iterations": $3, "hyperparameters": { "batch": 4 } },
    { "name": "ADMM",  "method": "admm",  "iterations": $4 }
  ],
  "trials": $5,
  "seed": 31,
  "metrics_period": 10,
  "checkpoint": { "step": 30, "keep": 2, "fsync": false }
}
JSON
}
base=$WORK/base.json
grow_config "$base" 200 150 100 2

# fresh CONFIG NAME: a fresh singleton campaign, digested into WORK/NAME.digest
fresh() {
  expect 0 run 0 "$1" --checkpoint-dir "$WORK/$2" --quiet
  digest "$WORK/$2" "$WORK/$2.digest"
}
# equal DIR NAME: DIR's final states, metrics record and table.csv equal the
# fresh campaign NAME's
equal() {
  digest "$1" "$1.digest"
  same "$WORK/$2.digest" "$1.digest"
  same "$WORK/$2/results/table.csv" "$1/results/table.csv"
}

note "fresh campaigns of the final sizes"
grow_config "$WORK/trials.json" 200 150 100 4
grow_config "$WORK/iters.json" 250 200 150 2
grow_config "$WORK/both.json" 250 200 150 4
fresh "$WORK/trials.json" f_trials
fresh "$WORK/iters.json" f_iters
fresh "$WORK/both.json" f_both

note "+2 trials on $NP rank(s)"
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/t" --quiet
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/t" --add-trials 2
grep_in "$WORK/last.out" "grow: 12/12 trials complete, 900 iterations in "
equal "$WORK/t" f_trials

note "+50 iterations on $NP rank(s)"
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/i" --quiet
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/i" --add-iterations 50
grep_in "$WORK/last.out" "grow: 6/6 trials complete, 300 iterations in "
equal "$WORK/i" f_iters

note "both at once on $NP rank(s), with --backup"
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/b" --quiet
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/b" --add-trials 2 --add-iterations 50 --backup --quiet
equal "$WORK/b" f_both
ls "$WORK"/b_backup_*.zip >/dev/null 2>&1 || fail "--backup made no archive beside $WORK/b"
"$CLI" status "$WORK/b" >"$WORK/status.txt"
grep_in "$WORK/status.txt" "3 algorithms x 4 trials"

note "a resume without additions keeps the grown plan and redraws nothing"
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/b"
grep_in "$WORK/last.out" "grow: 12/12 trials complete, 0 iterations in "
grep_in "$WORK/last.out" "(nothing redrawn)"
equal "$WORK/b" f_both

note "growth of a stopped campaign (a deadline too close to start anything)"
# 5 s ahead is inside the 10 s margin: the run stops at once, before any
# trial, and that is a stop (75), not a finished campaign without results
expect 75 run "$NP" "$base" --checkpoint-dir "$WORK/s" --deadline +5
[ "$(status_code "$WORK/s")" = 75 ] || fail "run_status.json does not say 75"
grep -qE "stopped by a stop request|stopped with 0 of 6 trials complete" "$WORK/last.err" \
  || { cat "$WORK/last.err"; fail "the stop is not reported"; }
[ ! -e "$WORK/s/metric_computation_complete.json" ] || fail "metrics of a campaign that did not run"
expect 0 run 1 "$base" --checkpoint-dir "$WORK/s" --add-trials 2 --add-iterations 50 --quiet
equal "$WORK/s" f_both

note "growth of a crashed campaign (SIGKILL mid-run), resumed on $NP rank(s)"
bg 0 "$base" --checkpoint-dir "$WORK/k" --quiet
pid=$PID
# killed as soon as a first periodic checkpoint is there (polled without
# sleeping: the whole campaign takes a fraction of a second)
for _ in $(seq 20000); do
  compgen -G "$WORK/k/algorithm_*/trial_*/checkpoint_*" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
done
kill -KILL "$pid" 2>/dev/null || true
set +e; wait "$pid"; code=$?; set -e
note "killed singleton exited $code, $(n_complete "$WORK/k")/6 trials complete"
expect 0 run "$NP" "$base" --checkpoint-dir "$WORK/k" --add-trials 2 --add-iterations 50 --quiet
equal "$WORK/k" f_both

note "iterations off the metrics grid (205 with a period of 10): everything equal"
grow_config "$WORK/off.json" 205 155 105 2
grow_config "$WORK/off_big.json" 255 205 155 4
fresh "$WORK/off_big.json" f_off
expect 0 run "$NP" "$WORK/off.json" --checkpoint-dir "$WORK/o" --quiet
expect 0 run "$NP" "$WORK/off.json" --checkpoint-dir "$WORK/o" --add-trials 2 --add-iterations 50 --quiet
same "$WORK/f_off/results/table.csv" "$WORK/o/results/table.csv"
# the final records too: a grown trial drops the metric row of its old last
# iteration (204), which is off the grid and which a fresh run never records
equal "$WORK/o" f_off

note "negative additions are refused"
expect 2 run 0 "$base" --checkpoint-dir "$WORK/b" --add-trials -1
grep_in "$WORK/last.err" "--add-trials needs an integer >= 0"
echo "grow.sh: all passed"
