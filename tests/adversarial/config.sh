#!/usr/bin/env bash
# The campaign fingerprint: a resume (or a growth) whose configuration
# differs from the run's in anything that changes what a pair computes — a
# method, a hyperparameter, the problem, the data's content, the network, the
# seed, the metrics period — is refused, naming the first difference, and
# changes nothing in the directory. Spelling out a default, reordering keys
# or moving the data file changes nothing and is accepted.
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup
cp "$(dirname "$BENCH")/../../../apps/bench/data/diabetes.csv" "$WORK/data.csv" 2>/dev/null ||
  cp "$(dirname "$0")/../../apps/bench/data/diabetes.csv" "$WORK/data.csv"

refused() { # NAME PYTHON NEEDLE [extra flags...]
  local name=$1 edit=$2 needle=$3; shift 3
  local d; d=$(partial "cfg-$name")
  local before; before=$(tree_sum "$d")
  edit_config "$cfg" "$WORK/$name.json" "$edit"
  expect 1 run "$NP" "$WORK/$name.json" --checkpoint-dir "$d" "$@"
  grep_in "$WORK/last.err" "$needle"
  local after; after=$(tree_sum "$d")
  [ "$before" = "$after" ] || fail "$name: the refused run changed the directory"
  [ "$(status_code "$d")" = 1 ] || fail "$name: run_status.json does not say 1"
  note "$name: refused ($needle), nothing changed"
}

refused method 'c["algorithms"][0]["method"] = "atc"' "config.method" --add-trials 2
refused method-plain 'c["algorithms"][1]["method"] = "diging"' "config.method"
refused hyper 'c["algorithms"][2]["hyperparameters"]["batch"] = 4' "hyperparameters.batch"
refused step 'c["algorithms"][0]["hyperparameters"] = {"alpha_scale": 0.25}' "hyperparameters.alpha_scale"
refused lambda 'c["problem"]["lambda"] = 0.2' "campaign.problem.lambda"
refused rows 'c["problem"]["synthetic"]["rows"] = 121' "campaign.problem.rows"
refused network 'c["network"]["topology"] = "complete"' "campaign.network.topology"
refused agents 'c["network"]["agents"] = 5' "campaign.network"
refused seed 'c["seed"] = 10' "seed 9; seed 10 was asked"
refused period 'c["metrics_period"] = 5' "campaign.metrics_period"
refused renamed 'c["algorithms"][1]["name"] = "EXTRA2"' "'EXTRA'; 'EXTRA2' was asked"

note "what does not change the computation is accepted"
edit_config "$cfg" "$WORK/same.json" '
c["algorithms"][0]["hyperparameters"] = {"alpha_scale": 0.5, "sigma": 1.0}
c["problem"] = {"synthetic": {"seed": 5, "features": 4, "rows": 120}, "lambda": 0.1,
                "type": "least_squares", "standardize": True}
c["checkpoint"]["keep"] = 50
c["description"] = "reworded"'
d=$(partial same)
expect 0 run "$NP" "$WORK/same.json" --checkpoint-dir "$d" --quiet
digest "$d" "$WORK/same.digest"
same "$WORK/ref.digest" "$WORK/same.digest"

note "data: the same bytes elsewhere are accepted, other bytes refused"
mkdir -p "$WORK/a" "$WORK/b"
cp "$WORK/data.csv" "$WORK/a/data.csv"
edit_config "$cfg" "$WORK/csv.json" "
c['problem'] = {'type': 'least_squares', 'lambda': 0.1, 'data': '$WORK/a/data.csv'}"
expect 0 run 0 "$WORK/csv.json" --checkpoint-dir "$WORK/csv" --quiet
digest "$WORK/csv" "$WORK/csv.digest"
cp "$WORK/data.csv" "$WORK/b/data.csv"
edit_config "$WORK/csv.json" "$WORK/moved.json" "c['problem']['data'] = '$WORK/b/data.csv'"
for a in 0 1 2; do cut_back "$WORK/csv" $a 1 $((ITERS / 2 - 1)); done
expect 0 run "$NP" "$WORK/moved.json" --checkpoint-dir "$WORK/csv" --quiet
digest "$WORK/csv" "$WORK/moved.digest"
same "$WORK/csv.digest" "$WORK/moved.digest"
sed -i '5s/[0-9]\.[0-9]/9.9/' "$WORK/b/data.csv"
cut_back "$WORK/csv" 0 0 $((ITERS / 2 - 1))
before=$(tree_sum "$WORK/csv")
expect 1 run "$NP" "$WORK/moved.json" --checkpoint-dir "$WORK/csv"
grep_in "$WORK/last.err" "data_xxh3"
[ "$before" = "$(tree_sum "$WORK/csv")" ] || fail "the refused run changed the directory"
echo "config.sh: all passed"
