#!/usr/bin/env bash
# A whole campaign at NP ranks: exit 0, run_status.json, the table printed on
# stdout and written as table.txt / table.tex / table.csv with every metric x
# statistic row and one column per algorithm, exact message and gradient
# counts, the metrics record's layout, and the three figures decoded (size,
# not blank, every algorithm's line colour). Fixture of bench_app.rerun.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
cfg=$WORK/e2e.json
dir=$WORK/run
res=$dir/results
# Logistic regression (so that every metric, accuracy included, is finite),
# a ring of 10 agents (|E| = 10: an exchange sends 20 vectors), four
# algorithms, one with an underscore in its name (LaTeX must escape it).
cat >"$cfg" <<'JSON'
{
  "name": "e2e",
  "description": "dckpt-bench end-to-end test",
  "problem": { "type": "logistic", "lambda": 0.01, "intercept": true,
               "synthetic": { "rows": 600, "features": 5, "seed": 4 } },
  "network": { "topology": "ring", "agents": 10 },
  "algorithms": [
    { "name": "DGD",       "method": "dgd",   "iterations": 1000 },
    { "name": "EXTRA",     "method": "extra", "iterations": 1000 },
    { "name": "NIDS_fast", "method": "nids",  "iterations": 1000, "hyperparameters": { "alpha_scale": 1.5 } },
    { "name": "ADMM",      "method": "admm",  "iterations": 400 }
  ],
  "trials": 3,
  "seed": 42,
  "metrics_period": 5,
  "checkpoint": { "step": 100, "keep": 2, "fsync": false }
}
JSON
algs=(DGD EXTRA NIDS_fast ADMM)
metrics=(suboptimality consensus_error gradient_norm distance_to_optimum accuracy
         gradient_evaluations messages)

note "campaign on $NP rank(s)"
expect 0 run "$NP" "$cfg" --checkpoint-dir "$dir"
out=$WORK/last.out
cp "$out" "$WORK/first.out"
[ "$(status_code "$dir")" = 0 ] || fail "run_status.json does not say 0"
grep_in "$out" "e2e: 12/12 trials complete, 10200 iterations in "
grep_in "$out" "on $NP rank(s)"
grep_in "$out" "e2e: 3 trials per algorithm"
grep_in "$out" "wrote $res/table.{txt,tex,csv} and 3 figure(s) plots_fig1..3.png"
"$CLI" status "$dir" >"$WORK/status.txt" || { cat "$WORK/status.txt"; fail "dckpt status"; }
grep_in "$WORK/status.txt" "complete, 4 algorithms x 3 trials, seed 42"
grep -qE "^metrics: +computed" "$WORK/status.txt" || fail "dckpt status: metrics not computed"

note "the printed table is table.txt"
sed -n '/^e2e: 3 trials per algorithm$/,/^wrote /p' "$out" | sed '1,1d;$d' | sed '$d' >"$WORK/printed.txt"
same "$res/table.txt" "$WORK/printed.txt"

note "table.txt: a column per algorithm, metric x statistic rows"
read -r -a head <"$res/table.txt"
[ "${head[*]}" = "metric statistic ${algs[*]}" ] || fail "table.txt header: ${head[*]}"
for m in "${metrics[@]}"; do
  block=$(grep -A2 "^$m " "$res/table.txt") || fail "table.txt: no row of $m"
  echo "$block" | awk -v m="$m" 'NR==1 && ($1 != m || $2 != "final") {exit 1}
    NR==2 && $1 != "min" {exit 1} NR==3 && $1 != "avg" {exit 1}
    {n = gsub(/±/, "±"); if (n != 4) exit 1}' || { echo "$block"; fail "table.txt block of $m"; }
done
[ "$(grep -cE '^[a-z_]* +(final|min|avg) ' "$res/table.txt")" = 21 ] || fail "table.txt: not 21 rows"

note "table.csv: header, 21 rows, counts and exact message/gradient tallies"
tr -d '\r' <"$res/table.csv" >"$WORK/table.csv"
[ "$(grep -c $'\r$' "$res/table.csv")" = 22 ] || fail "table.csv lines do not end in CRLF"
want="metric,statistic"
for a in "${algs[@]}"; do want="$want,$a mean,$a std,$a n"; done
[ "$(head -1 "$WORK/table.csv")" = "$want" ] || fail "table.csv header: $(head -1 "$WORK/table.csv")"
[ "$(wc -l <"$WORK/table.csv")" = 22 ] || fail "table.csv has not 1 + 21 lines"
i=2
for m in "${metrics[@]}"; do
  for s in final min avg; do
    awk -F, -v l="$i" -v m="$m" -v s="$s" 'NR == l {
        if ($1 != m || $2 != s || NF != 14) exit 1
        for (c = 3; c <= NF; c += 3) if ($(c+2) != 3 || $c == "nan" || $c == "") exit 1
        found = 1 }
      END { exit !found }' "$WORK/table.csv" || fail "table.csv line $i is not $m,$s with 3 trials per cell"
    i=$((i + 1))
  done
done
# messages: 20 vectors per exchange; NIDS has none in its first iteration,
# ADMM one more exchange at k = 0. Gradient evaluations: 10 per iteration
# (ADMM on logistic: 2 inner Newton steps per agent). Identical in every trial.
want_final=(20000 0 3 20000 0 3 19980 0 3 8020 0 3)
got=$(awk -F, '$1 == "messages" && $2 == "final"' "$WORK/table.csv" | cut -d, -f3-)
awk -F, -v w="${want_final[*]}" '{ split(w, x, " "); for (c = 1; c <= NF; c++) if ($c + 0 != x[c] + 0) exit 1 }' \
  <<<"$got" || fail "messages final: $got, wanted ${want_final[*]}"
got=$(awk -F, '$1 == "gradient_evaluations" && $2 == "final"' "$WORK/table.csv" | cut -d, -f3-)
awk -F, '{ for (c = 1; c <= NF; c += 3) if ($c + 0 != 10000 - 2000 * (c == 10) || $(c+1) + 0 != 0) exit 1 }' \
  <<<"$got" || fail "gradient_evaluations final: $got"
# the methods converge: the final suboptimality is below its average over
# the run, by far for the exact methods (DGD stalls in a neighbourhood)
awk -F, '$1 == "suboptimality" && $2 == "final" { for (c = 3; c <= NF; c += 3) f[c] = $c }
  $1 == "suboptimality" && $2 == "avg" { for (c = 3; c <= NF; c += 3)
    if (!(f[c] < $c / (c == 3 ? 1 : 1000))) exit 1 }' \
  "$WORK/table.csv" || fail "suboptimality did not fall below its average"

note "table.tex: booktabs, one column per algorithm, names escaped"
tex=$res/table.tex
grep_in "$tex" '\begin{tabular}{llrrrr}'
# shellcheck disable=SC1003 # a LaTeX line end, not an escaped quote
grep_in "$tex" 'Metric & Statistic & DGD & EXTRA & NIDS\_fast & ADMM \\'
[ "$(grep -c '^\\toprule$' "$tex")" = 1 ] || fail "table.tex: \\toprule"
[ "$(grep -c '^\\midrule$' "$tex")" = 7 ] || fail "table.tex: 7 \\midrule wanted (header + between 7 blocks)"
[ "$(grep -c '^\\bottomrule$' "$tex")" = 1 ] || fail "table.tex: \\bottomrule"
grep_in "$tex" '\end{tabular}'
[ "$(grep -c ' & .* \\\\$' "$tex")" = 22 ] || fail "table.tex: not 1 + 21 rows"
for m in "${metrics[@]}"; do
  grep -q "^${m//_/\\\\_} & final & " "$tex" || fail "table.tex: no row '$m & final'"
done

note "the metrics record: iterations.<a> i64[P], values.<a> f64[T,P,M]"
"$CLI" dump "$dir/metric_computation.dckpt" >"$WORK/dump.txt"
grep_in "$WORK/dump.txt" '"format": "dckpt-bench-metrics"'
grep_in "$WORK/dump.txt" '"algorithms": ["DGD", "EXTRA", "NIDS_fast", "ADMM"]'
for a in 0 1 2; do
  grep -qE "^iterations\.$a +i64 +\[200\] " "$WORK/dump.txt" || fail "iterations.$a"
  grep -qE "^values\.$a +f64 +\[3, 200, 7\] " "$WORK/dump.txt" || fail "values.$a"
done
grep -qE "^iterations\.3 +i64 +\[80\] " "$WORK/dump.txt" || fail "iterations.3"
grep -qE "^values\.3 +f64 +\[3, 80, 7\] " "$WORK/dump.txt" || fail "values.3"

note "figures: 1800 x 600, 1800 x 600, 600 wide; every algorithm's colour"
"$PNGCHECK" "$res/plots_fig1.png" 1800 600 4
"$PNGCHECK" "$res/plots_fig2.png" 1800 600 4
# messages: DGD and EXTRA send the same counts, NIDS (20 fewer) is drawn over them
"$PNGCHECK" "$res/plots_fig3.png" 600 600+ 4 0 1
[ ! -e "$res/plots_fig4.png" ] || fail "a fourth figure"
if compgen -G "$res/.dckpt-tmp*" >/dev/null; then fail "temporary files left in $res"; fi
echo "campaign.sh: all passed"
