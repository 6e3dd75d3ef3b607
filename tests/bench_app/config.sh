#!/usr/bin/env bash
# Bad configurations and options are refused before anything is written:
# exit 2 and a message that names the config file and the key (or the
# option); --help and --version exit 0. A campaign directory that holds a
# different campaign is refused with exit 1, naming the difference.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
dir=$WORK/run
good_problem='"problem": { "synthetic": { "rows": 60, "features": 3 } }'
good_network='"network": { "topology": "ring", "agents": 4 }'
good_algs='"algorithms": [ { "name": "A", "method": "dgd", "iterations": 20 } ]'

# bad NAME TEXT MESSAGE...: CONFIG NAME.json holding TEXT is refused (exit 2)
# with every MESSAGE in stderr, and no campaign directory appears (MODE, when
# set, is given as --mode: "resume" makes a config that is taken fail at once
# with exit 1, not run)
bad() {
  local name=$1 text=$2; shift 2
  printf '%s\n' "$text" >"$WORK/$name.json"
  expect 2 run 0 "$WORK/$name.json" --checkpoint-dir "$dir" ${MODE:+--mode "$MODE"}
  for m in "$@"; do grep_in "$WORK/last.err" "$m"; done
  [ ! -s "$WORK/last.out" ] || { cat "$WORK/last.out"; fail "$name: something on stdout"; }
  [ ! -e "$dir" ] || fail "$name: $dir was created"
  note "$name: $(head -1 "$WORK/last.err")"
}

bad malformed "{
  \"name\": \"x\",
  $good_problem,
  $good_network,
  \"trials\": 2,,
  $good_algs
}" "malformed.json: malformed JSON near line 5"
bad unknown_key "{ $good_problem, $good_network, $good_algs, \"trails\": 3 }" \
  'unknown_key.json: key "trails" is not a known setting'
bad unknown_nested "{ \"problem\": { \"synthetic\": { \"row\": 60 } }, $good_network, $good_algs }" \
  'unknown_nested.json: key "problem.synthetic.row" is not a known setting'
bad wrong_type "{ $good_problem, $good_network, $good_algs, \"trials\": \"3\" }" \
  'wrong_type.json: key "trials" must be an integer >= 1'
bad wrong_type_bool "{ $good_problem, $good_network, $good_algs, \"checkpoint\": { \"fsync\": 1 } }" \
  'wrong_type_bool.json: key "checkpoint.fsync" must be true or false'
bad unknown_method "{ $good_problem, $good_network, \"algorithms\": [ { \"method\": \"sgd\", \"iterations\": 5 } ] }" \
  'unknown_method.json: key "algorithms[0].method" must be dgd, atc, extra, diging, nids or admm, not "sgd"'
bad duplicate_name "{ $good_problem, $good_network, \"algorithms\": [
    { \"name\": \"A\", \"method\": \"dgd\", \"iterations\": 5 },
    { \"name\": \"A\", \"method\": \"extra\", \"iterations\": 5 } ] }" \
  'duplicate_name.json: key "algorithms[1].name" repeats the name "A" of algorithms[0]'
bad missing_data "{ \"problem\": { \"type\": \"logistic\", \"data\": \"no_such_file.csv\" }, $good_network, $good_algs }" \
  "missing_data.json: key \"problem.data\" names 'no_such_file.csv', which is neither beside the config file, nor in the working directory, nor in the data directory "
bad unknown_hyper "{ $good_problem, $good_network, \"algorithms\": [
    { \"name\": \"E\", \"method\": \"extra\", \"iterations\": 5, \"hyperparameters\": { \"alfa\": 0.1 } } ] }" \
  "unknown_hyper.json: algorithms[0] ('E'): extra: unknown hyperparameter 'alfa'"
bad bad_network "{ $good_problem, \"network\": { \"topology\": \"erdos_renyi\", \"agents\": 5, \"p\": 0 }, $good_algs }" \
  'bad_network.json: key "network": network erdos_renyi: p = 0 must be in (0, 1]'
bad hopeless_network "{ $good_problem, \"network\": { \"topology\": \"erdos_renyi\", \"agents\": 50, \"p\": 1e-6 }, $good_algs }" \
  'hopeless_network.json: key "network": network erdos_renyi: G(n = 50, p = 1e-06) cannot plausibly be connected'
# between 2/n and ln(n)/n: 1000 draws (~25 s at 4096 agents) before a refusal
bad sparse_network "{ $good_problem, \"network\": { \"topology\": \"erdos_renyi\", \"agents\": 1000, \"p\": 0.005 }, $good_algs }" \
  'sparse_network.json: key "network": network erdos_renyi: p = 0.005 is too small for n = 1000 agents' \
  'use p >= 0.00507 (ln(n)/n = 0.00691)'
bad bad_data "{ \"problem\": { \"type\": \"logistic\", \"data\": \"diabetes.csv\" }, $good_network, $good_algs }" \
  'bad_data.json: key "problem": ' "diabetes.csv:2: column 'progression': label 151 is not 0, 1 or -1"
bad too_few_rows "{ \"problem\": { \"synthetic\": { \"rows\": 3 } }, $good_network, $good_algs }" \
  'too_few_rows.json: key "problem": problem: 3 data rows cannot give each of 4 agents a row'
bad keep_overflow "{ $good_problem, $good_network, $good_algs, \"checkpoint\": { \"keep\": 3000000000 } }" \
  'keep_overflow.json: key "checkpoint.keep" must be at most 2147483647'
bad bad_interval "{ $good_problem, $good_network, $good_algs, \"checkpoint\": { \"interval\": -1 } }" \
  'bad_interval.json: key "checkpoint.interval" must be a number of seconds in 0..1e12'
bad bad_step "{ $good_problem, $good_network, $good_algs, \"checkpoint\": { \"step\": 0 } }" \
  'bad_step.json: key "checkpoint.step" must be an integer >= 1, or null for none'
bad no_algorithms "{ $good_problem, $good_network }" \
  'no_algorithms.json: key "algorithms" must be a non-empty array'
bad not_an_object '[1, 2]' 'not_an_object.json: key "(top level)" must be a JSON object'
long=$(printf 'N%.0s' $(seq 200))
bad long_name "{ $good_problem, $good_network, \"algorithms\": [
    { \"name\": \"$long\", \"method\": \"dgd\", \"iterations\": 5 } ] }" \
  'long_name.json: key "algorithms[0].name" is 200 bytes long; at most 127'
# a control character in a name broke table.txt's columns (a newline) or
# reached the terminal (an escape sequence)
bad newline_name "{ $good_problem, $good_network, \"algorithms\": [
    { \"name\": \"EX\\nTRA\", \"method\": \"extra\", \"iterations\": 5 } ] }" \
  'newline_name.json: key "algorithms[0].name" holds the control character 0x0a at byte 2'
bad escape_campaign "{ \"name\": \"\\u001b[31mred\", $good_problem, $good_network, $good_algs }" \
  'escape_campaign.json: key "name" holds the control character 0x1b at byte 0'
# noise beyond what doubles hold made the data infinite: the campaign ran,
# every metric of every trial "no value", exit 0
bad huge_noise "{ \"problem\": { \"synthetic\": { \"rows\": 60, \"features\": 3, \"noise\": 1e308 } },
    $good_network, $good_algs }" \
  'huge_noise.json: key "problem": optimum: f* = ' 'is not finite: the data or lambda = 0 are too large'
# a batch larger than every agent's rows (60 rows over 4 agents: 15) was
# refused only by each trial as it started: exit 1, the campaign directory
# written with a config that no resume could change (hyperparameters differ)
bad big_batch "{ $good_problem, $good_network,
    \"algorithms\": [ { \"name\": \"A\", \"method\": \"dgd\", \"iterations\": 20,
                      \"hyperparameters\": { \"batch\": 16 } } ] }" \
  "big_batch.json: algorithms[0] ('A'): dgd: hyperparameter batch = 16 is more than the 15 rows of the largest agent's block"
bad huge_seed "{ $good_problem, $good_network, $good_algs, \"seed\": 1e17 }" \
  'huge_seed.json: key "seed" must be an integer >= 0 and at most 9e15, not 1e+17'
bad above_seed "{ $good_problem, $good_network, $good_algs, \"seed\": 9000000000000001 }" \
  'above_seed.json: key "seed" must be an integer >= 0 and at most 9e15, not 9000000000000001'
bad negative_seed "{ $good_problem, $good_network, $good_algs, \"seed\": -1 }" \
  'negative_seed.json: key "seed" must be an integer >= 0 and at most 9e15, not -1'
bad leading_zero "{ $good_problem, $good_network, $good_algs, \"trials\": 010 }" \
  'leading_zero.json: line 1: a number with a leading zero (JSON has none: 010 is not 10, nor octal 8)'
bad bare_dot "{ $good_problem, $good_network, $good_algs, \"seed\": 7. }" \
  "bare_dot.json: line 1: a number ending in '.' (JSON wants a digit after it)"
bad many_trials "{ $good_problem, $good_network, $good_algs, \"trials\": 2e7 }" \
  'many_trials.json: key "trials" must be an integer >= 1 and at most 16777216, not 20000000'
bad long_interval "{ $good_problem, $good_network, $good_algs, \"checkpoint\": { \"interval\": 1e300 } }" \
  'long_interval.json: key "checkpoint.interval" must be a number of seconds in 0..1e12'
bad huge_data "{ \"problem\": { \"synthetic\": { \"rows\": 1e12 } }, $good_network, $good_algs }" \
  'huge_data.json: key "problem.synthetic.rows" x features = 1000000000000 x 10 is 1e+13 values (7.45e+04 GiB); at most 16777216 (128 MiB)'
bad huge_features "{ \"problem\": { \"synthetic\": { \"features\": 1e9 } }, $good_network, $good_algs }" \
  'huge_features.json: key "problem.synthetic.features" is 1000000000; at most 1024'
# a metric history that cannot be held (a trial's in memory and in its
# checkpoints, every trial's on rank 0 at the end) was accepted: the campaign
# was written and failed for lack of memory once its trials had run (with
# MODE=resume a config that is taken fails at once instead of running long)
MODE=resume bad long_history "{ $good_problem, $good_network, \"metrics_period\": 1,
    \"algorithms\": [ { \"name\": \"A\", \"method\": \"dgd\", \"iterations\": 1e12 } ] }" \
  'long_history.json: key "algorithms[0].iterations" (1000000000000) with "metrics_period" 1 records 1000000000001 metric rows per trial' \
  'the limit is 4194304 rows (256 MiB) per trial: set metrics_period to at least 238419'
MODE=resume bad history_trials "{ $good_problem, $good_network, \"trials\": 100, \"metrics_period\": 2,
    \"algorithms\": [ { \"name\": \"A\", \"method\": \"dgd\", \"iterations\": 1e6 } ] }" \
  'history_trials.json: the metric histories of all 100 trials x 1 algorithm(s), at "metrics_period" 2' \
  '5e+07 rows (2.98 GiB), which rank 0 gathers at the end' \
  'the limit is 16777216 rows (1 GiB) in a campaign: set metrics_period to at least 6'
bad zero_period "{ $good_problem, $good_network, $good_algs, \"metrics_period\": 0 }" \
  'zero_period.json: key "metrics_period" must be an integer >= 1 and at most 9e15, not 0'
MODE=resume bad history_pairs "{ $good_problem, $good_network, \"trials\": 16777216, $good_algs }" \
  'history_pairs.json: the metric histories of all 16777216 trials x 1 algorithm(s)' \
  'run fewer trials or algorithms'
bad duplicate_key "{ $good_problem, $good_network, $good_algs, \"trials\": 2, \"trials\": 3 }" \
  'duplicate_key.json: key "trials" appears more than once in its object'
bad duplicate_hyper "{ $good_problem, $good_network, \"algorithms\": [
    { \"name\": \"E\", \"method\": \"extra\", \"iterations\": 5,
      \"hyperparameters\": { \"alpha\": 0.1, \"alpha\": 0.2 } } ] }" \
  'duplicate_hyper.json: key "algorithms[0].hyperparameters.alpha" appears more than once'
# a NUL character in a string cut it short: "runs/a\u0000b" named runs/a
bad nul_escape "{ $good_problem, $good_network, $good_algs,
  \"checkpoint\": { \"dir\": \"$dir\\u0000elsewhere\" } }" \
  'nul_escape.json: line 2: a string holds \u0000 (a NUL character), which would cut it short'
# valid JSON nested past the parser's 1000 levels was "malformed JSON"
deep=$(/usr/bin/python3 -c 'print("[" * 1001 + "]" * 1001)')
bad deep_description "{ $good_problem, $good_network, $good_algs,
  \"description\": $deep }" \
  'deep_description.json: JSON nested deeper than 1000 levels near line 2'
printf '{ %s, %s, %s }\n\0{ "trials": 3 }\n' "$good_problem" "$good_network" "$good_algs" \
  >"$WORK/nul_byte.json"
expect 2 run 0 "$WORK/nul_byte.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "nul_byte.json: line 2 holds a NUL byte: not a JSON text file"
[ ! -e "$dir" ] || fail "nul_byte: $dir was created"
# a byte that is not UTF-8 in a string was copied as it was into the
# campaign in metadata.json (then no JSON for Python, jq or h5py)
bad not_utf8 "{ \"description\": \"caf$(printf '\351')\", $good_problem, $good_network, $good_algs }" \
  'not_utf8.json: not UTF-8: byte 0xe9 at offset 21 (line 1); a config file is UTF-8 JSON text'
bad not_utf8_name "{ $good_problem, $good_network,
  \"algorithms\": [ { \"name\": \"A$(printf '\300\201')\", \"method\": \"dgd\", \"iterations\": 20 } ] }" \
  'not_utf8_name.json: not UTF-8: byte 0xc0 at offset ' '(line 2)'

note "a missing config file, bad options"
expect 2 run 0 "$WORK/none.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "$WORK/none.json: cannot open the config file: No such file or directory"
printf '{ %s, %s, %s }\n' "$good_problem" "$good_network" "$good_algs" >"$WORK/good.json"
# a FIFO, a device or a directory as the config or the data file: refused at
# once (a FIFO blocked for good, /dev/zero was read into memory without end;
# timeout -s KILL only turns a hang into a failure here)
mkfifo "$WORK/fifo.json"
expect 2 timeout -s KILL 60 "$BENCH" "$WORK/fifo.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "fifo.json: the config file is not a regular file (a FIFO)"
expect 2 timeout -s KILL 60 "$BENCH" /dev/zero --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "/dev/zero: the config file is not a regular file (a device or socket)"
expect 2 run 0 "$WORK" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "the config file is not a regular file (a directory)"
for data in "$WORK/fifo.json" /dev/zero; do
  printf '{ "problem": { "data": "%s" }, %s, %s }\n' "$data" "$good_network" "$good_algs" \
    >"$WORK/special.json"
  expect 2 timeout -s KILL 60 "$BENCH" "$WORK/special.json" --checkpoint-dir "$dir"
  grep_in "$WORK/last.err" "key \"problem.data\" names '$data', which is not a regular file"
done
# a UTF-8 byte-order mark (as some editors write) is skipped, not "malformed"
printf '\357\273\277' | cat - "$WORK/good.json" >"$WORK/bom.json"
expect 2 run 0 "$WORK/bom.json"
grep_in "$WORK/last.err" "bom.json: no checkpoint directory: set"
expect 2 run 0 "$WORK/good.json"
grep_in "$WORK/last.err" "good.json: no checkpoint directory: set \"checkpoint.dir\" or --checkpoint-dir"
expect 2 run 0 --bogus "$WORK/good.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "unknown option '--bogus' (see --help)"
# a directory given as the container: refused as such before the run (exit
# 1 and "the file exists and is not an HDF5 container")
mkdir -p "$WORK/ctrdir"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --container "$WORK/ctrdir"
grep_in "$WORK/last.err" "--container $WORK/ctrdir is a directory, not a file"
expect 2 run 0 "" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "the config file argument is empty ('')"
expect 2 run 0 "$WORK/good.json" "$WORK/good.json" --checkpoint-dir "$dir"
grep_in "$WORK/last.err" "one config file, please"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --trials 0
grep_in "$WORK/last.err" "--trials needs an integer >= 1 and at most 16777216, got '0'"
# numbers are plain decimal digits: strtoll took ' 5' and '+5', and '010' as 10
for v in " 5" "5 " "+5" "" "0x10" "010" "5x" "99999999999999999999" "16777217"; do
  expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --trials "$v"
  grep_in "$WORK/last.err" "--trials needs an integer >= 1 and at most 16777216, got '$v'"
done
# beyond DCKPT_MAX_TRIALS: exit 2 naming the option or key (was exit 1,
# "20000000 + 0 trials exceed the limit", from the run)
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --add-trials 20000000
grep_in "$WORK/last.err" "--add-trials needs an integer >= 0 and at most 16777216, got '20000000'"
for v in " 1" "+1" "0x10" "nan" "inf" "1e999" "1s" "1e300"; do
  expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --checkpoint-interval "$v"
  grep_in "$WORK/last.err" "--checkpoint-interval needs a number of seconds in 0..1e12, got '$v'"
done
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --compression " 3"
grep_in "$WORK/last.err" "--compression needs a level in -7..22, got ' 3'"
# --seed takes what the key "seed" takes (0..9e15), in the same words
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --seed 9000000000000001
grep_in "$WORK/last.err" "--seed needs an integer >= 0 and at most 9e15, got '9000000000000001'"
# an option given twice was last-wins: refused, naming both values
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --trials 2 --trials=3
grep_in "$WORK/last.err" "option '--trials' given twice ('2' and '3'): give it once"
# a switch given a value was called an unknown option
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --quiet=1
grep_in "$WORK/last.err" "option '--quiet' takes no value (got '--quiet=1'"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --checkpoint-dir "$dir.2"
grep_in "$WORK/last.err" "option '--checkpoint-dir' given twice"
# --shared-wait without --shared was ignored: the run held the directory alone
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --shared-wait
grep_in "$WORK/last.err" "--shared-wait (checkpoint.shared_wait) needs --shared (checkpoint.shared)"
# refused as checkpoint.keep is, not cut down to INT_MAX
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --keep 99999999999
grep_in "$WORK/last.err" "--keep needs a count in 1..2147483647, got '99999999999'"
# every bad --keep names the same range ('0', '1K', '-1' were told "at most 9e15")
for v in 0 1K -1 ""; do
  expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --keep "$v"
  grep_in "$WORK/last.err" "--keep needs a count in 1..2147483647, got '$v'"
done
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --mode sometimes
grep_in "$WORK/last.err" "--mode must be auto, new or resume, not 'sometimes'"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --deadline yesterday
grep_in "$WORK/last.err" "--deadline: "
expect 2 run 0 "$WORK/good.json" --checkpoint-dir
grep_in "$WORK/last.err" "--checkpoint-dir needs a value"
# a path longer than any buffer is refused, not cut short: "./" x 3000 cut to
# 4095 bytes would have been "./././...": the working directory
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$(printf './%.0s' $(seq 3000))run"
grep_in "$WORK/last.err" "--checkpoint-dir needs a value of 1..4095 bytes, got 6003"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --checkpoint-interval soon
grep_in "$WORK/last.err" "--checkpoint-interval needs a number of seconds in 0..1e12, got 'soon'"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --checkpoint-step never
grep_in "$WORK/last.err" "--checkpoint-step needs an integer >= 1 and at most 9e15, got 'never'"
[ ! -e "$dir" ] || fail "$dir was created"
# the limits with the options: --add-iterations and --metrics-period count,
# the sums near the 9e15 bounds do not overflow
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --add-iterations 9000000000000000
grep_in "$WORK/last.err" 'key "algorithms[0].iterations" (20 + --add-iterations 9000000000000000) with "metrics_period" 1 records 9000000000000021 metric rows per trial'
grep_in "$WORK/last.err" 'set metrics_period to at least 2145767724'
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --add-iterations 9000000000000000 \
  --metrics-period 9000000000000000 --add-trials 16777216
grep_in "$WORK/last.err" 'the metric histories of all 16777217 trials x 1 algorithm(s), at "metrics_period" 9000000000000000'
grep_in "$WORK/last.err" 'run fewer trials or algorithms'
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --metrics-period -1
grep_in "$WORK/last.err" "--metrics-period needs an integer >= 1 and at most 9e15, got '-1'"
# at the limit: taken (the run is then refused only for want of a run to
# resume); one row more: refused
expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --mode resume \
  --add-iterations $((4194303 - 20))
grep_in "$WORK/last.err" "holds no run to resume"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --mode resume \
  --add-iterations $((4194304 - 20))
grep_in "$WORK/last.err" 'records 4194305 metric rows per trial'
rm -rf "$dir"
# a campaign grown earlier by --add-iterations is counted at its stored size
# (it was counted at the config's: 10 + 2000000 iterations passed, and the
# run, grown to 5000010, would have held 5000011 rows a trial). The growth
# to 3000010 iterations is made without running it: a HALT file stops the
# run once it has grown the plan (exit 75).
printf '{ %s, %s, "trials": 5, "metrics_period": 1, "checkpoint": { "fsync": false },
  "algorithms": [ { "name": "A", "method": "dgd", "iterations": 10 } ] }\n' \
  "$good_problem" "$good_network" >"$WORK/grown.json"
g=$WORK/grown
expect 0 run 0 "$WORK/grown.json" --checkpoint-dir "$g" --quiet
touch "$g/HALT"
expect 75 run 0 "$WORK/grown.json" --checkpoint-dir "$g" --quiet --add-iterations 3000000
rm "$g/HALT"
grep_in "$g/metadata.json" '"iterations":3000010'
cp "$g/metadata.json" "$WORK/grown.meta"
expect 2 run 0 "$WORK/grown.json" --checkpoint-dir "$g" --quiet --add-iterations 2000000
grep_in "$WORK/last.err" "grown.json: algorithm 'A' (\"algorithms[0]\"), grown by earlier --add-iterations to 3000010 iterations in the run in '$g' (the config says 10) + --add-iterations 2000000, with \"metrics_period\" 1 records 5000011 metric rows per trial"
grep_in "$WORK/last.err" "set metrics_period to at least 2"
# the campaign: 5 trials x 3500011 rows
expect 2 run 0 "$WORK/grown.json" --checkpoint-dir "$g" --quiet --add-iterations 500000
grep_in "$WORK/last.err" "the metric histories of all 5 trials x 1 algorithm(s), at \"metrics_period\" 1 and each algorithm's \"iterations\" + --add-iterations 500000 (as the run in '$g' has grown by earlier --add-* past the config), are 1.75e+07 rows"
same "$WORK/grown.meta" "$g/metadata.json"
rm -rf "$g"

note "--help and --version"
expect 0 run 0 --help
grep_in "$WORK/last.out" "usage: dckpt-bench [options] CONFIG.json"
grep_in "$WORK/last.out" "exit status: 0 done, 75 stopped on request"
expect 0 run 0 --version
grep -qE '^dckpt-bench [0-9]+\.[0-9]+' "$WORK/last.out" || fail "--version: $(cat "$WORK/last.out")"

note "checkpoint step and interval: alone, together, from the config or the flags"
# checkpoints DIR: the iterations of trial 0's checkpoints, oldest first
checkpoints() {
  ls "$1/algorithm_0/trial_0" | sed -n 's/^checkpoint_0*\([0-9][0-9]*\)\.dckpt$/\1/p' \
    | sort -n | tr '\n' ' '
}
long_algs='"algorithms": [ { "name": "A", "method": "dgd", "iterations": 250 } ]'
# case NAME WANT CHECKPOINT-OBJECT [FLAGS...]: a campaign whose config has that
# "checkpoint" object keeps (keep 10) the checkpoints WANT
case_ckpt() {
  local name=$1 want=$2 obj=$3; shift 3
  printf '{ %s, %s, %s, "checkpoint": %s }\n' "$good_problem" "$good_network" "$long_algs" \
    "$obj" >"$WORK/$name.json"
  expect 0 run 0 "$WORK/$name.json" --checkpoint-dir "$WORK/$name" --quiet --no-fsync "$@"
  local got; got=$(checkpoints "$WORK/$name")
  [ "$got" = "$want" ] || fail "$name: checkpoints '$got', wanted '$want'"
}
case_ckpt default_step "99 199 249 " '{ "keep": 10 }'
case_ckpt interval_alone "249 " '{ "keep": 10, "interval": 3600 }'
case_ckpt interval_and_step "49 99 149 199 249 " '{ "keep": 10, "interval": 3600, "step": 50 }'
case_ckpt step_null "249 " '{ "keep": 10, "step": null }'
case_ckpt flag_interval_alone "249 " '{ "keep": 10 }' --checkpoint-interval 3600
case_ckpt flag_step_none "249 " '{ "keep": 10, "step": 50 }' --checkpoint-step none
# an interval shorter than any iteration: a checkpoint after every one (the
# newest 10 kept, the final one among them)
case_ckpt tiny_interval "240 241 242 243 244 245 246 247 248 249 " '{ "keep": 10 }' \
  --checkpoint-interval 1e-9
note "step and interval combine as documented"

note "a directory holding another campaign is refused (exit 1), naming the difference"
expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --quiet
expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --seed 8 --quiet
grep_in "$WORK/last.err" "seed 8 was asked"
# said once, as it happens ("error: <message>"), then the kind of failure
# that ended the run, pointing at it (it was said twice before)
[ "$(grep -c "seed 8 was asked" "$WORK/last.err")" = 1 ] || fail "the refusal is said twice"
grep_in "$WORK/last.err" "dckpt-bench: error: the run in"
grep_in "$WORK/last.err" "dckpt-bench: does not match the existing run (the error above)"
sed 's/"iterations": 20 }/"iterations": 20, "hyperparameters": { "alpha_scale": 0.25 } }/' \
  "$WORK/good.json" >"$WORK/changed.json"
expect 1 run 0 "$WORK/changed.json" --checkpoint-dir "$dir" --quiet
grep_in "$WORK/last.err" "algorithms[0] ('A') config.hyperparameters.alpha_scale differs"
expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$dir" --mode new --quiet
grep_in "$WORK/last.err" "dckpt-bench: error: '$dir' already holds a run"
grep_in "$WORK/last.err" "dckpt-bench: directory is not empty (the error above)"
[ "$(grep -c "already holds a run" "$WORK/last.err")" = 1 ] || fail "the refusal is said twice"
expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$WORK/empty" --mode resume --quiet
grep_in "$WORK/last.err" "holds no run to resume"
note "a minibatch larger than every agent's rows: refused before the run, naming it"
# it ran with 10^9 samples per agent per iteration (and 8 GB of row indices);
# then each trial refused it (exit 1, the directory written); now the config
# is refused (exit 2) before anything is written
sed 's/"iterations": 20 }/"iterations": 20, "hyperparameters": { "batch": 1e9 } }/' \
  "$WORK/good.json" >"$WORK/batch.json"
expect 2 timeout -s KILL 120 "$BENCH" "$WORK/batch.json" --checkpoint-dir "$WORK/batch" --quiet
grep_in "$WORK/last.err" "hyperparameter batch = 1000000000 is more than the 15 rows of the largest agent's block"
[ "$(grep -c "largest agent's block" "$WORK/last.err")" = 1 ] || fail "the refusal is said twice"
[ ! -e "$WORK/batch" ] || fail "$WORK/batch was created"

note "a trial that fails mid-run (a write refused): exit 1, named, its checkpoints kept; a resume completes"
# the only such case (batch 1e9) is refused before the run now. Here a real
# limit: a file size limit (ulimit -f, SIGXFSZ ignored) that the trial's
# checkpoints of up to 256 KiB of metric rows pass, but not its final one,
# which holds all 30000 rows (1.9 MiB). PMIx's shared-memory store would pass
# the limit too: its hash store instead (Open MPI; others ignore it).
printf '{ %s, %s, "trials": 2, "metrics_period": 1,
  "checkpoint": { "step": 5000, "keep": 2, "fsync": false, "compression": 0 },
  "algorithms": [ { "name": "A", "method": "dgd", "iterations": 20 },
    { "name": "LONG", "method": "dgd", "iterations": 30000 } ] }\n' \
  "$good_problem" "$good_network" >"$WORK/fsz.json"
limited() { (trap '' XFSZ; ulimit -f 1024; PMIX_MCA_gds=hash exec "$BENCH" "$@"); }
f=$WORK/fsz
expect 1 limited "$WORK/fsz.json" --checkpoint-dir "$f" --quiet
msg="algorithm 'LONG' trial 0: cannot write '$f/algorithm_1/trial_0/checkpoint_0029999.dckpt': File too large"
grep_in "$WORK/last.err" "dckpt-bench: error: rank 0: $msg"
grep_in "$WORK/last.err" "dckpt-bench: size exceeds a limit (the error above)"
[ "$(grep -c "File too large" "$WORK/last.err")" = 1 ] || fail "the failure is said twice"
[ "$(status_code "$f")" = 1 ] || fail "run_status.json does not say 1"
grep_in "$f/run_status.json" "\"status\":\"ETOOBIG\",\"exit_code\":1,\"message\":\"rank 0: $msg\""
# the trial keeps its checkpoints before the failure, nothing half-written
[ -e "$f/algorithm_1/trial_0/checkpoint_0024999.dckpt" ] || fail "LONG lost its checkpoints"
[ ! -e "$f/algorithm_1/trial_0/complete.json" ] || fail "LONG trial 0 is marked complete"
! ls -a "$f/algorithm_1/trial_0" | grep "checkpoint_0029999" >/dev/null || fail "a torn final checkpoint"
[ ! -e "$f/results" ] || fail "results were made for a failed campaign"
# without the limit a resume goes on from iteration 25000 and completes,
# equal to a fresh campaign
expect 0 run 0 "$WORK/fsz.json" --checkpoint-dir "$f" --quiet
[ "$(n_complete "$f")" = 4 ] || fail "the resume left trials incomplete"
grep_in "$f/run_status.json" '"iterations_run":35040,'
expect 0 run 0 "$WORK/fsz.json" --checkpoint-dir "$WORK/fsz_fresh" --quiet
digest "$f" "$WORK/fsz.digest"
digest "$WORK/fsz_fresh" "$WORK/fsz_fresh.digest"
same "$WORK/fsz_fresh.digest" "$WORK/fsz.digest"
same "$WORK/fsz_fresh/results/table.csv" "$f/results/table.csv"

note "a trial that diverges is an outcome: exit 0, counted per algorithm in the tables, run_status.json and the metrics record"
# a step size far too large makes BOOM's iterate inf, then NaN: the tables
# showed '—' for its final values and, without a mark, min/avg of the finite
# prefix (5.5e98 ± 1.4e98), which read like a result; nothing said it diverged
printf '{ %s, %s, "trials": 2, "metrics_period": 5,
  "checkpoint": { "step": 10, "keep": 2, "fsync": false },
  "algorithms": [ { "name": "A", "method": "dgd", "iterations": 20 },
    { "name": "BOOM", "method": "dgd", "iterations": 60,
      "hyperparameters": { "alpha_scale": 1e10 } } ] }\n' "$good_problem" "$good_network" \
  >"$WORK/boom.json"
b=$WORK/boom
expect 0 run 0 "$WORK/boom.json" --checkpoint-dir "$b"
grep_in "$b/results/table.csv" $'diverged,trials,0,nan,2,2,nan,2\r'
at=$(sed -n 's/^diverged,from iteration,nan,nan,0,\([0-9]*\),nan,2\r$/\1/p' "$b/results/table.csv")
# recorded every 5 iterations: it diverges after some of them, before its end
[ -n "$at" ] && [ $(((at + 1) % 5)) = 0 ] && [ "$at" -gt 0 ] && [ "$at" -lt 59 ] ||
  fail "BOOM's divergence iteration '$at'"
# table.txt: the rows first, BOOM's min and avg marked (not its final, not A's)
grep -qE "^diverged +trials +0/2 +2/2$" "$b/results/table.txt" || fail "table.txt: no diverged row"
grep -qE "^ +from iteration +— +$at$" "$b/results/table.txt" || fail "table.txt: no from-iteration row"
[ "$(grep -c '†$' "$b/results/table.txt")" = 8 ] || fail "table.txt: not the 4 x 2 marked cells of BOOM"
grep_in "$b/results/table.txt" "†: this min or avg covers such trials only up to there"
grep_in "$b/results/table.tex" "diverged & trials & 0/2 & 2/2 \\\\"
grep_in "$b/results/table.tex" "{}^{\\dagger}\$ \\\\"
said="'BOOM' 2 of 2 trial(s) from iteration $at"
grep_in "$WORK/last.out" "diverged (a metric ended inf/NaN; an outcome, counted in the tables): $said"
status_text="\"status\":\"OK\",\"exit_code\":0,\"message\":\"complete; diverged (a metric ended inf/NaN): $said\""
grep_in "$b/run_status.json" "$status_text"
# per trial, in the metrics record: -1 for none
"$CLI" dump "$b/metric_computation.dckpt" >"$WORK/div.txt"
for a in 0 1; do
  grep -qE "^diverged\.$a +i64 +\[2\] " "$WORK/div.txt" || fail "no diverged.$a i64[2]"
done
"$CLI" dump "$b/metric_computation.dckpt" --array diverged.0 >"$WORK/div0.txt"
"$CLI" dump "$b/metric_computation.dckpt" --array diverged.1 >"$WORK/div1.txt"
printf -- '-1\n-1\n' >"$WORK/div0.want"
printf -- '%s\n%s\n' "$at" "$at" >"$WORK/div1.want"
same "$WORK/div0.want" "$WORK/div0.txt"
same "$WORK/div1.want" "$WORK/div1.txt"
# run again: the stored record gives the same tables and status
cp "$b/results/table.txt" "$WORK/boom.table.txt"
expect 0 run 0 "$WORK/boom.json" --checkpoint-dir "$b"
grep_in "$WORK/last.out" "results are up to date"
grep_in "$WORK/last.out" "counted in the tables): $said"
grep_in "$b/run_status.json" "$status_text"
same "$WORK/boom.table.txt" "$b/results/table.txt"

note "an unreadable shared-run registration: refused, then passed with --break-lock"
# it refused every run that is not shared, and --break-lock got the run past
# it but not the results (exit 1 after all trials had run)
expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$WORK/reg" --quiet --shared
printf 'garbage' >"$WORK/reg/leases/run.elsewhere.123.lease"
rm -rf "$WORK/reg/results"
expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$WORK/reg" --quiet
grep_in "$WORK/last.err" "run.elsewhere.123.lease' cannot be read"
expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$WORK/reg" --quiet --break-lock
[ -s "$WORK/reg/results/table.csv" ] || fail "--break-lock: no results"
note "a status file's place taken (--run-name): refused before any work, state intact"
# runs/NAME as a regular file only warned at the end (exit 0, no named
# run_status.json); the same for a FIFO, a symbolic link, runs itself, and a
# directory where a run_status.json goes
named=$WORK/named
expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$named" --quiet --trials 1
# tree DIR: every file but the run's status files and its results (and what
# the cases put there), with its digest
tree() {
  (cd "$1" && find . \( -path ./run_status.json -o -path ./runs -o -path ./results \) \
    -prune -o -type f -print | sort | xargs sha1sum)
}
tree "$named" >"$WORK/named.before"
mkdir -p "$WORK/elsewhere"
# place NAME SETUP MESSAGE: SETUP (run in $named) makes a run named NAME exit 1
# with MESSAGE (and run_status.json saying so), touching nothing else of the
# campaign (--trials 2 would grow it), nothing through a link
place() {
  local name=$1 setup=$2 msg=$3
  (cd "$named" && eval "$setup")
  expect 1 run 0 "$WORK/good.json" --checkpoint-dir "$named" --quiet --trials 2 \
    --run-name "$name"
  grep_in "$WORK/last.err" "$msg"
  tree "$named" >"$WORK/named.after"
  same "$WORK/named.before" "$WORK/named.after"
  [ "$name" = root_status ] || [ "$(status_code "$named")" = 1 ] ||
    fail "$name: run_status.json does not say 1"
  [ -d "$WORK/elsewhere" ] && [ -z "$(ls -A "$WORK/elsewhere")" ] ||
    fail "$name: something was written through the link"
  note "$name: $(head -1 "$WORK/last.err")"
}
place file "mkdir -p runs && echo x >runs/file" \
  "'$named/runs/file' (the folder of the named run 'file') is a regular file, not a directory: remove or rename it"
place fifo "mkfifo runs/fifo" "'$named/runs/fifo' (the folder of the named run 'fifo') is a FIFO, not a directory"
place link "ln -s '$WORK/elsewhere' runs/link" \
  "'$named/runs/link' (the folder of the named run 'link') is a symbolic link; dckpt keeps a directory of its own there and follows no link"
place dangling "ln -s '$WORK/nowhere' runs/dangling" \
  "'$named/runs/dangling' (the folder of the named run 'dangling') is a symbolic link"
place status_dir "mkdir -p runs/status_dir/run_status.json" \
  "'$named/runs/status_dir/run_status.json' (how the named run last ended) is a directory, not a file: remove or rename it"
place root_status "mkdir run_status.json.d && mv run_status.json.d run_status.json.tmp; rm -f run_status.json; mv run_status.json.tmp run_status.json" \
  "'$named/run_status.json' (how the last run ended) is a directory, not a file"
rmdir "$named/run_status.json"
rm -rf "$named/runs"
echo x >"$named/runs"
place any "true" "'$named/runs' (the folder of named runs) is a regular file, not a directory"
rm "$named/runs"
expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$named" --quiet --trials 2 --run-name ok
[ "$(status_code "$named/runs/ok")" = 0 ] || fail "the named run's run_status.json does not say 0"

note "a named run's folder that the user cannot write: refused before any work"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  u=$WORK/as_nobody
  expect 0 run 0 "$WORK/good.json" --checkpoint-dir "$u" --quiet
  mkdir -p "$u/runs"
  chown -R 65534:65534 "$u"
  mkdir "$u/runs/locked" # root's, mode 755: nobody may not write in it
  tree "$u" >"$WORK/u.before"
  expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$BENCH" "$WORK/good.json" \
    --checkpoint-dir "$u" --quiet --trials 2 --run-name locked
  grep_in "$WORK/last.err" \
    "directory '$u/runs/locked' (the folder of the named run 'locked') cannot be read and written: Permission denied"
  tree "$u" >"$WORK/u.after"
  same "$WORK/u.before" "$WORK/u.after"
else
  note "skipped: needs root and setpriv to run as another user"
fi

note "the results directory's place taken: refused before the run (exit 2)"
# found only after the whole campaign had run (exit 1, "cannot create the
# output directory")
rm -rf "$named/results"
tree "$named" >"$WORK/named.before"
for kind in fifo file dangling; do
  rm -rf "$named/results"
  case $kind in
    fifo) mkfifo "$named/results" ;;
    file) echo x >"$named/results" ;;
    dangling) ln -s "$WORK/nowhere" "$named/results" ;;
  esac
  expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$named" --quiet --trials 3
  grep_in "$WORK/last.err" "the results directory '$named/results' is"
  tree "$named" >"$WORK/named.after"
  same "$WORK/named.before" "$WORK/named.after"
  note "$kind: $(head -1 "$WORK/last.err")"
done
rm -f "$named/results"
expect 2 run 0 "$WORK/good.json" --checkpoint-dir "$named" --quiet --results-dir "$WORK/good.json"
grep_in "$WORK/last.err" "the results directory '$WORK/good.json' is a regular file, not a directory"
echo "config.sh: all passed"
