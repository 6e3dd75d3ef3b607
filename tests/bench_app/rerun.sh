#!/usr/bin/env bash
# The finished campaign of bench_app.campaign run again (EXTRA: that test's
# directory): exit 0, no trial rerun, the table printed again, "nothing
# redrawn", and results/ untouched (same bytes, same mtimes to the
# nanosecond). A figure deleted by hand is drawn again, identical, and so
# are tables that are not what the campaign's metrics give.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
src=${EXTRA[0]}
[ -e "$src/run/results/table.csv" ] || fail "no finished campaign in $src (fixture bench_app.campaign)"
# a copy: this test must not change the fixture's directory for its reruns
cp -a "$src/run" "$WORK/run"
dir=$WORK/run
res=$dir/results
snapshot() { (cd "$res" && stat -c '%n %s %y' ./* && cksum ./*) >"$1"; }
snapshot "$WORK/before.txt"
cp -a "$res" "$WORK/results.orig"

for np in "$NP" 0; do
  if [ "$np" = 0 ]; then note "rerun as a singleton"; else note "rerun on $np rank(s)"; fi
  expect 0 run "$np" "$src/e2e.json" --checkpoint-dir "$dir"
  out=$WORK/last.out
  grep_in "$out" "e2e: 12/12 trials complete, 0 iterations in "
  grep_in "$out" "results are up to date in $res (nothing redrawn)"
  if grep -q "^wrote " "$out"; then fail "results were redrawn"; fi
  sed -n '/^e2e: 3 trials per algorithm$/,/nothing redrawn)$/p' "$out" | sed '1,1d;$d' | sed '$d' \
    >"$WORK/printed.txt"
  same "$res/table.txt" "$WORK/printed.txt"
  [ "$(status_code "$dir")" = 0 ] || fail "run_status.json does not say 0"
  snapshot "$WORK/after.txt"
  same "$WORK/before.txt" "$WORK/after.txt"
done

note "a deleted figure is drawn again, byte for byte the same"
rm "$res/plots_fig2.png"
expect 0 run 0 "$src/e2e.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.out" "wrote $res/table.{txt,tex,csv} and 3 figure(s)"
for f in plots_fig1.png plots_fig2.png plots_fig3.png table.txt table.tex table.csv; do
  same "$WORK/results.orig/$f" "$res/$f"
done

note "tables that are not this campaign's (a --results-dir shared with another): drawn again"
# they were reported "up to date" because every file was present
cp -a "$WORK/results.orig" "$WORK/shared"
sed -i '2s/[0-9]/7/' "$WORK/shared/table.csv"
cmp -s "$WORK/shared/table.csv" "$WORK/results.orig/table.csv" && fail "the edit changed nothing"
expect 0 run 0 "$src/e2e.json" --checkpoint-dir "$dir" --results-dir "$WORK/shared"
grep_in "$WORK/last.out" "wrote $WORK/shared/table.{txt,tex,csv} and 3 figure(s)"
for f in plots_fig1.png plots_fig2.png plots_fig3.png table.txt table.tex table.csv; do
  same "$WORK/results.orig/$f" "$WORK/shared/$f"
done

note "--quiet: nothing on stdout"
expect 0 run 0 "$src/e2e.json" --checkpoint-dir "$dir" --quiet
[ ! -s "$WORK/last.out" ] || { cat "$WORK/last.out"; fail "--quiet printed"; }
echo "rerun.sh: all passed"
