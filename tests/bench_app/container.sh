#!/usr/bin/env bash
# dckpt-bench --container FILE.h5 [--prune] (issue 9 item 4) at NP ranks: a
# completed campaign packs itself and verifies the file; --prune then removes
# the trial directories; a later run on the pruned directory prints the
# results from the container, and one that grows it (--add-trials) unpacks
# first, ending equal to a fresh campaign of the final size. Then the prune
# is interrupted at every step by SIGKILL (the program stops itself at step
# k, DCKPT_BENCH_TEST_STOP_AT, and is killed there): each trial directory is
# whole or gone, and the results come out equal to the reference.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"

cfg=$WORK/c.json
cat >"$cfg" <<JSON
{
  "name": "packed",
  "problem": { "type": "least_squares", "lambda": 0.001,
               "synthetic": { "rows": 240, "features": 6, "noise": 0.2, "seed": 9 } },
  "network": { "topology": "regular", "agents": 8, "degree": 4 },
  "algorithms": [
    { "name": "EXTRA", "method": "extra", "iterations": 200 },
    { "name": "NIDS",  "method": "nids",  "iterations": 150, "hyperparameters": { "batch": 4 } },
    { "name": "ADMM",  "method": "admm",  "iterations": 100 }
  ],
  "trials": 2,
  "seed": 31,
  "metrics_period": 10,
  "checkpoint": { "step": 30, "keep": 2, "fsync": false }
}
JSON
trials() { find "$1" -mindepth 2 -maxdepth 2 -name 'trial_*' | wc -l; }
# unpacked_digest FILE OUT: the final states of the container's campaign
unpacked_digest() {
  rm -rf "$WORK/unpacked"
  "$CLI" unpack "$1" "$WORK/unpacked" >/dev/null || fail "dckpt unpack $1"
  digest "$WORK/unpacked" "$2"
}

note "fresh campaigns without a container: 2 and 4 trials"
expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/ref" --quiet
digest "$WORK/ref" "$WORK/ref.digest"
expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/ref4" --trials 4 --quiet
digest "$WORK/ref4" "$WORK/ref4.digest"

dir=$WORK/run c=$WORK/run.h5
note "a campaign on $NP rank(s) packs itself, verifies the file and prunes"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c" --prune
grep_in "$WORK/last.out" "packed $dir into $c: 6 trials"
grep_in "$WORK/last.out" "verified $c: every array and file"
grep_in "$WORK/last.out" "pruned 6 trial directories from $dir"
[ "$(trials "$dir")" = 0 ] || fail "trial directories left in $dir"
[ ! -e "$dir/index" ] || fail "the completion index of pruned trials is left"
same "$WORK/ref/results/table.csv" "$dir/results/table.csv"
expect 0 "$CLI" verify "$c"
expect 0 "$CLI" status "$c"
grep_in "$WORK/last.out" "run:       complete, 3 algorithms x 2 trials"
unpacked_digest "$c" "$WORK/c.digest"
same "$WORK/ref.digest" "$WORK/c.digest"

note "run again on the pruned directory: the results from the container"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c"
grep_in "$WORK/last.out" "the results come from the container"
grep_in "$WORK/last.out" "(nothing redrawn)"
[ "$(trials "$dir")" = 0 ] || fail "reading the results brought trials back"
rm -r "$dir/results"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c"
grep_in "$WORK/last.out" "wrote $dir/results/table.{txt,tex,csv} and 3 figure(s)"
same "$WORK/ref/results/table.csv" "$dir/results/table.csv"
"$PNGCHECK" "$dir/results/plots_fig1.png" 1800 600 3 >/dev/null || fail "plot from the container"

note "the whole directory gone: the results from the container alone"
mv "$dir" "$WORK/dir.kept"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c"
grep_in "$WORK/last.out" "the results come from the container"
same "$WORK/ref/results/table.csv" "$dir/results/table.csv"
note "and grown from there: the directory rebuilt from the container first"
cp -a "$dir" "$WORK/gone"
cp "$c" "$WORK/gone.h5" # (repacked with the grown campaign)
expect 0 run "$NP" "$cfg" --checkpoint-dir "$WORK/gone" --container "$WORK/gone.h5" \
  --add-trials 2 --quiet
digest "$WORK/gone" "$WORK/gone.digest"
same "$WORK/ref4.digest" "$WORK/gone.digest"
rm -r "$dir"
mv "$WORK/dir.kept" "$dir"

note "a campaign of another config is refused, the directory untouched"
sed 's/"seed": 31/"seed": 32/; s/"seed": 9 }/"seed": 10 }/' "$cfg" >"$WORK/other.json"
expect 1 run 0 "$WORK/other.json" --checkpoint-dir "$dir" --container "$c"
grep_in "$WORK/last.err" "holds another campaign"

note "grow the pruned campaign by 2 trials on $NP rank(s): unpacked first"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c" --add-trials 2
grep_in "$WORK/last.out" "unpacking them from the container to grow the campaign"
grep_in "$WORK/last.out" "unpacked 6 trial directories from $c into $dir"
grep_in "$WORK/last.out" "packed: 12/12 trials complete, 900 iterations in "
grep_in "$WORK/last.out" "packed $dir into $c: 12 trials"
digest "$dir" "$WORK/grown.digest"
same "$WORK/ref4.digest" "$WORK/grown.digest"
same "$WORK/ref4/results/table.csv" "$dir/results/table.csv"
unpacked_digest "$c" "$WORK/c4.digest"
same "$WORK/ref4.digest" "$WORK/c4.digest"
note "run again, not pruned and nothing new: not packed again"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir" --container "$c"
grep_in "$WORK/last.out" "$c already holds this campaign: not packed again"

note "bad uses: --prune alone; a --container that is some other file"
expect 2 run 0 "$cfg" --checkpoint-dir "$dir" --prune
grep_in "$WORK/last.err" "--prune needs --container FILE.h5"
note "a --container inside the checkpoint directory, or in no directory: refused before the run"
expect 2 run 0 "$cfg" --checkpoint-dir "$WORK/ref" --container "$WORK/ref/algorithm_0/../c.h5"
grep_in "$WORK/last.err" "is inside the checkpoint directory"
expect 2 run 0 "$cfg" --checkpoint-dir "$WORK/fresh" --container "$WORK/nowhere/c.h5"
grep_in "$WORK/last.err" "its directory '$WORK/nowhere' does not exist"
[ ! -e "$WORK/fresh" ] || fail "a refused run made its checkpoint directory"
echo "not a container" >"$WORK/notes.h5"
expect 1 run 0 "$cfg" --checkpoint-dir "$WORK/ref" --container "$WORK/notes.h5"
grep_in "$WORK/last.err" "exists and is not an HDF5 container; not replacing it"
[ "$(cat "$WORK/notes.h5")" = "not a container" ] || fail "the other file was changed"

# ---- SIGKILL at every step of the verification and the prune ----
# state PID: the process's state letter (T stopped), or "gone"
state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone; }
for k in $(seq 1 10); do
  d=$WORK/k$k
  cp -a "$WORK/ref" "$d" # the completed campaign, not packed yet
  DCKPT_BENCH_TEST_STOP_AT=$k "$BENCH" "$cfg" --checkpoint-dir "$d" --container "$d.h5" \
    --prune --quiet >"$WORK/k.out" 2>&1 &
  pid=$!
  until [ "$(state "$pid")" = T ] || [ "$(state "$pid")" = gone ] ||
    [ "$(state "$pid")" = Z ]; do sleep 0.01; done
  stopped=$(state "$pid")
  kill -KILL "$pid" 2>/dev/null || true
  set +e; wait "$pid"; code=$?; set -e
  [ "$stopped" = T ] || [ "$code" = 0 ] || { cat "$WORK/k.out"; fail "step $k: exit $code"; }
  left=$(trials "$d")
  note "killed at step $k ($stopped): $left of 6 trial directories left"
  for t in "$d"/algorithm_*/trial_*; do
    [ -e "$t" ] || continue
    diff -r "$t" "$WORK/ref/${t#"$d"/}" >/dev/null || fail "step $k: $t is not whole"
  done
  [ "$left" = 6 ] || expect 0 "$CLI" verify "$d.h5"
  rm -r "$d/results"
  expect 0 run 0 "$cfg" --checkpoint-dir "$d" --container "$d.h5"
  same "$WORK/ref/results/table.csv" "$d/results/table.csv"
  [ "$left" = 6 ] || grep_in "$WORK/last.out" "the results come from the container"
  rm -rf "$d" "$d.h5" "$d.dckpt-pruned"
done
# ---- DIR changed between the pack and the prune ----
# The program stops itself once the container is published (step 1), another
# run changes DIR, and then it goes on: the prune, which compares DIR with the
# container under DIR's lock, must refuse and delete nothing.
# changed_under_prune NAME CHANGE...: CHANGE is run on the stopped pack's DIR
changed_under_prune() {
  local name=$1; shift
  d=$WORK/$name
  cp -a "$WORK/ref" "$d"
  DCKPT_BENCH_TEST_STOP_AT=1 "$BENCH" "$cfg" --checkpoint-dir "$d" --container "$d.h5" \
    --prune --quiet >"$WORK/r.out" 2>&1 &
  pid=$!
  until [ "$(state "$pid")" = T ] || [ "$(state "$pid")" = gone ] ||
    [ "$(state "$pid")" = Z ]; do sleep 0.01; done
  [ "$(state "$pid")" = T ] || { cat "$WORK/r.out"; fail "$name: did not stop at step 1"; }
  "$@"
  cp -a "$d" "$WORK/$name.before"
  kill -CONT "$pid"
  set +e; wait "$pid"; code=$?; set -e
  [ "$code" = 1 ] || { cat "$WORK/r.out"; fail "$name: exit $code, not 1"; }
  grep_in "$WORK/r.out" "changed since it was packed"
  grep_in "$WORK/r.out" "nothing pruned"
  # the verdict a batch script reads is this run's failure (it kept the
  # other run's exit_code 0: the job was taken for complete)
  grep_in "$d/run_status.json" '"exit_code":1,'
  grep_in "$d/run_status.json" "container: prune: $d changed since it was packed"
  diff -r -x run_status.json "$d" "$WORK/$name.before" >/dev/null ||
    fail "$name: the prune changed $d"
  [ ! -e "$d.dckpt-pruned" ] || fail "$name: trial directories were moved aside"
}
note "a run grows DIR between the pack and the prune: nothing is pruned"
changed_under_prune grown expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/grown" \
  --add-iterations 30 --quiet
expect 0 "$CLI" verify "$WORK/grown"
note "a trial's marker is gone between the pack and the prune: nothing is pruned"
changed_under_prune unmarked rm "$WORK/unmarked/algorithm_1/trial_0/complete.json"
note "HALT made during the pack: the pack goes on to its end and says so"
# it was silent: exit 0, and the HALT left in DIR stopped the next run at once
d=$WORK/halted
cp -a "$WORK/ref" "$d"
DCKPT_BENCH_TEST_STOP_AT=1 "$BENCH" "$cfg" --checkpoint-dir "$d" --container "$d.h5" \
  >"$WORK/h.out" 2>"$WORK/h.err" &
pid=$!
until [ "$(state "$pid")" = T ] || [ "$(state "$pid")" = gone ] ||
  [ "$(state "$pid")" = Z ]; do sleep 0.01; done
[ "$(state "$pid")" = T ] || { cat "$WORK/h.out" "$WORK/h.err"; fail "halted: did not stop at step 1"; }
touch "$d/HALT"
kill -CONT "$pid"
set +e; wait "$pid"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/h.out" "$WORK/h.err"; fail "halted: exit $code, not 0"; }
grep_in "$WORK/h.out" "verified $d.h5: every array and file"
grep_in "$WORK/h.err" "'$d/HALT' appeared after the campaign had completed: the pack and its verification went on to their end; nothing was left to stop. Remove it, or the next run on $d stops at once"
grep_in "$d/run_status.json" '"exit_code":0,'
expect 0 "$CLI" verify "$d.h5"
echo "container.sh: all passed"
