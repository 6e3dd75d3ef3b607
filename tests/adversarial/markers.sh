#!/usr/bin/env bash
# Damaged markers. A bad or missing progress.json falls back to the trial's
# checkpoints with a warning and the run goes on; a bad complete.json is
# corrupt for `dckpt status` (exit 1) and repaired by a resume; a garbage
# checkpoint newer than the newest good one is moved aside on resume; the
# summary counts only what is true and run_status.json is rewritten by every
# run, failures included. Every case ends bit-identical to an uninterrupted run.
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup
mid=$((ITERS / 2 - 1))

for variant in garbage truncated string missing other-trial other-run; do
  note "progress.json: $variant"
  d=$(partial "progress-$variant")
  p=$(trial "$d" 1 2)/progress.json
  case $variant in
    garbage) printf '\x01\x02 not json at all' >"$p" ;;
    truncated) printf '{"last_completed_iteration":' >"$p" ;;
    string) echo '"hello"' >"$p" ;;
    missing) rm "$p" ;;
    other-trial) echo "{\"last_completed_iteration\":$mid,\"alg\":0,\"trial\":2}" >"$p" ;;
    other-run) echo "{\"last_completed_iteration\":$mid,\"run\":\"0123456789abcdef0123456789abcdef\"}" >"$p" ;;
  esac
  echo '{"status":"EINTERRUPTED","exit_code":75}' >"$d/run_status.json"
  like_reference "$d" "$NP"
done

note "complete.json: garbage, another trial's, another run's"
for variant in garbage other-trial other-run; do
  d=$WORK/complete-$variant && rm -rf "$d" && cp -a "$WORK/ref" "$d"
  c=$(trial "$d" 2 0)/complete.json
  case $variant in
    garbage) echo '{"alg_name": "NIDS", "iterat' >"$c" ;;
    other-trial) cp "$(trial "$d" 2 1)/complete.json" "$c" ;;
    other-run) sed -E 's/"run":"[0-9a-f]+"/"run":"0123456789abcdef0123456789abcdef"/' \
                 "$(trial "$d" 2 1)/complete.json" | sed 's/"trial":1/"trial":0/' >"$c" ;;
  esac
  expect 1 "$CLI" status "$d"
  grep_in "$WORK/last.err" "complete.json"
  rm -rf "$d/results" "$d/metric_computation_complete.json"
  like_reference "$d" "$NP"
  expect 0 "$CLI" status "$d"
done

note "a garbage checkpoint newer than the committed one"
d=$(partial newer)
g=$(trial "$d" 0 1)/checkpoint_0000777.dckpt
head -c 500 /dev/urandom >"$g"
expect 1 "$CLI" verify "$d"
like_reference "$d" "$NP"
[ ! -e "$g" ] || fail "the garbage checkpoint is still in place"
[ -e "$g.corrupt" ] || fail "the garbage checkpoint was not moved aside"

note "a run that fails at once says so in run_status.json and counts nothing"
d=$(partial failing)
echo '{"status":"OK","exit_code":0}' >"$d/run_status.json"
cp "$d/initial_algorithms.dckpt" "$d/benchmark_problem.dckpt" # wrong kind of record
expect 1 run "$NP" "$cfg" --checkpoint-dir "$d"
grep_in "$WORK/last.err" "benchmark_problem.dckpt"
if grep -q "trials complete" "$WORK/last.out"; then
  cat "$WORK/last.out" >&2
  fail "a run refused before its plan printed a summary"
fi
[ "$(status_code "$d")" = 1 ] || fail "run_status.json does not say 1 after a failed run"
echo "markers.sh: all passed"
