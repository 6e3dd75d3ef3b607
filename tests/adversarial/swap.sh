#!/usr/bin/env bash
# Files moved to where they do not belong: a checkpoint of another trial at
# the same iteration (bit-perfect, it would load cleanly without identities),
# a trial's own older checkpoint under a newer name, a checkpoint of another
# run with the same campaign, a problem record of another run, and the final
# checkpoint of a complete trial. `dckpt verify` names each; a resume falls
# back to the trial's newest good checkpoint and ends bit-identical to an
# uninterrupted run, or (a complete trial's final state) refuses by name.
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup
mid=$((ITERS / 2 - 1))
ck() { printf '%s/checkpoint_%07d.dckpt' "$(trial "$1" "$2" "$3")" "$4"; }
# misplace DIR FROM TO WHY: FROM copied over TO in the partial run DIR;
# `dckpt verify` fails saying WHY, and a resume ends like the reference.
misplace() {
  cp "$2" "$3"
  expect 1 "$CLI" verify "$1"
  grep_in "$WORK/last.out" "$4"
  like_reference "$1" "$NP"
}

note "another trial's checkpoint of the same iteration"
d=$(partial same)
misplace "$d" "$(ck "$d" 0 1 $mid)" "$(ck "$d" 0 0 $mid)" "belongs elsewhere"
[ -e "$(ck "$d" 0 0 $mid).corrupt" ] || fail "the foreign checkpoint was not moved aside"

note "the trial's own older checkpoint under the newest name"
d=$(partial older)
misplace "$d" "$(ck "$d" 2 1 $((mid - 40)))" "$(ck "$d" 2 1 $mid)" "iteration $((mid - 40))"

note "a checkpoint and the problem of another run of the same campaign"
expect 0 run 0 "$cfg" --checkpoint-dir "$WORK/other" --quiet
d=$(partial foreign)
misplace "$d" "$(ck "$WORK/other" 1 2 $mid)" "$(ck "$d" 1 2 $mid)" "of run"
d=$(partial foreign-problem)
cp "$WORK/other/benchmark_problem.dckpt" "$d/benchmark_problem.dckpt"
expect 1 run "$NP" "$cfg" --checkpoint-dir "$d" --quiet
grep_in "$WORK/last.err" "benchmark_problem.dckpt' belongs elsewhere"

note "the final checkpoint of a complete trial swapped with another's"
d=$WORK/final && cp -a "$WORK/ref" "$d" && rm -rf "$d/results" "$d/metric_computation_complete.json"
cp "$(ck "$d" 1 0 $((ITERS - 1)))" "$(ck "$d" 1 1 $((ITERS - 1)))"
expect 1 "$CLI" verify "$d"
expect 1 run "$NP" "$cfg" --checkpoint-dir "$d" --quiet
grep_in "$WORK/last.err" "belongs elsewhere"
echo "swap.sh: all passed"
