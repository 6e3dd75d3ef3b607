#!/usr/bin/env bash
# A campaign at NP ranks: fresh run, idempotent rerun, equality with a
# singleton run, growth equal to a fresh run of the final size, refusal of a
# different campaign, a failing trial that is reported and later finished.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
np=$(echo "$MPIRUN" | awk '{print $3}')

note "fresh run on $np rank(s)"
expect 0 run "$np" "$WORK/a" --dump "$WORK/a.txt"
grep -q "status OK: 9/9 pairs complete, 9 run" "$WORK/last.log" || { cat "$WORK/last.log"; fail "report"; }
[ "$(wc -l <"$WORK/a.txt")" = 9 ] || fail "dump has not 9 lines"

note "rerun: nothing to do, same result"
expect 0 run "$np" "$WORK/a" --dump "$WORK/a2.txt"
grep -q "9/9 pairs complete, 0 run" "$WORK/last.log" || fail "rerun ran pairs"
same "$WORK/a.txt" "$WORK/a2.txt"

note "singleton (no mpirun) gives the same bits"
expect 0 run 0 "$WORK/ref" --dump "$WORK/ref.txt"
same "$WORK/a.txt" "$WORK/ref.txt"

note "growth: +2 trials and +10 iterations equals a fresh run of that size"
expect 0 run "$np" "$WORK/a" --add-trials 2 --add-iterations 10 --dump "$WORK/grown.txt"
expect 0 run 0 "$WORK/big" --trials 5 --iters 50,40,30 --dump "$WORK/big.txt"
same "$WORK/grown.txt" "$WORK/big.txt"
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if m['n_trials']==5 else 1)" \
  "$WORK/a/metadata.json" || fail "metadata n_trials not updated"

note "a resume without additions keeps the grown plan"
expect 0 run "$np" "$WORK/a" --dump "$WORK/again.txt"
same "$WORK/grown.txt" "$WORK/again.txt"

note "a different campaign is refused, naming the difference"
expect 1 run "$np" "$WORK/a" --seed 8
grep -q "seed 8 was asked" "$WORK/last.log" || { cat "$WORK/last.log"; fail "seed mismatch message"; }
expect 1 run "$np" "$WORK/a" --mode new
grep -q "already holds a run" "$WORK/last.log" || fail "mode new message"
expect 1 run "$np" "$WORK/none" --mode resume
grep -q "holds no run to resume" "$WORK/last.log" || fail "mode resume message"

note "a failing trial is reported, the rest completes, a rerun finishes it"
expect 1 run "$np" "$WORK/f" --fail-at 1:1:7 --dump "$WORK/f.txt"
grep -q "algorithm 'mix' trial 1 failed at iteration 7: step returned 42" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "failure message"; }
grep -q "status ECALLBACK: 8/9 pairs complete" "$WORK/last.log" || fail "failure report"
# the step before the failure gave a reason and succeeded: not the failure's
status_message() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1], encoding="utf-8"))["message"])' \
    "$1/run_status.json"
}
case "$(status_message "$WORK/f")" in
  "rank "*": algorithm 'mix' trial 1 failed at iteration 7: step returned 42") ;;
  *) status_message "$WORK/f" >&2; fail "run_status.json message of a failure without a reason" ;;
esac
[ ! -e "$WORK/f/algorithm_1/trial_1/complete.json" ] || fail "failed trial marked complete"
expect 0 run "$np" "$WORK/f" --dump "$WORK/f.txt"
same "$WORK/f.txt" "$WORK/ref.txt"
note "a callback's reason (dckpt_run_fail_reason) reaches the report and run_status.json"
expect 1 run "$np" "$WORK/r" --trials 2 --fail-at 1:1:7 --fail-reason "the update diverged"
grep -qF "failed at iteration 7: step returned 42: the update diverged" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "reason not in the report"; }
case "$(status_message "$WORK/r")" in
  "rank "*": algorithm 'mix' trial 1 failed at iteration 7: step returned 42: the update diverged") ;;
  *) status_message "$WORK/r" >&2; fail "reason not in run_status.json" ;;
esac
note "... on one line, mended to UTF-8 and cut at a whole character (511 bytes)"
long=$(printf 'why: line1\nline2 \377'; for _ in $(seq 300); do printf '\303\251'; done)
expect 1 run 0 "$WORK/r1" --trials 2 --fail-at 1:1:7 --fail-reason "$long"
python3 - "$WORK/r1/run_status.json" <<'PY' || fail "long reason in run_status.json"
import json, sys
msg = json.load(open(sys.argv[1], encoding="utf-8"))["message"]
want = ("rank 0: algorithm 'mix' trial 1 failed at iteration 7: step returned 42: "
        "why: line1 line2 \ufffd" + "\u00e9" * 245)
if msg != want:
    sys.exit(f"message {msg!r}")
PY
note "strings that are not UTF-8 are refused before anything is written"
expect 1 run 0 "$WORK/u" --campaign "$(printf '{"k":"\303"}')"
grep -qF "campaign is not UTF-8: byte 0xc3 at offset 6" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "campaign not UTF-8 message"; }
[ ! -e "$WORK/u/metadata.json" ] || fail "a run was started with a campaign not UTF-8"
expect 1 run 0 "$WORK/u" --job-id "$(printf 'job\377')"
grep -qF "job_id is not UTF-8: byte 0xff at offset 3" "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "job id not UTF-8 message"; }
[ ! -e "$WORK/u/metadata.json" ] || fail "a run was started with a job id not UTF-8"
note "benchmark_metadata may not hold the keys the runtime records there"
for key in metrics_period algorithm_hyperparameters; do
  expect 1 run 0 "$WORK/u" --benchmark-metadata "{\"$key\":5}"
  grep -qF 'benchmark_metadata must be a JSON object without the keys "algorithm_hyperparameters" or "metrics_period"' \
    "$WORK/last.log" || { cat "$WORK/last.log"; fail "reserved benchmark_metadata key $key"; }
  [ ! -e "$WORK/u/metadata.json" ] || fail "a run was started with $key in benchmark_metadata"
done
expect 1 run 0 "$WORK/u" --benchmark-metadata '[1]'
grep -qF 'benchmark_metadata: expected a JSON object' "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "benchmark_metadata not an object"; }
note "JSON texts the run records are exactly one object each (else silently altered)"
for bad in 'campaign:{"a":1} junk:bytes after the end' \
  'campaign:{"a":1e999}:beyond the range of a double' \
  'benchmark-metadata:{"a":{"b":1,"b":2}}:appears twice'; do
  opt=${bad%%:*} rest=${bad#*:}
  text=${rest%:*} why=${rest##*:}
  expect 1 run 0 "$WORK/u2" --"$opt" "$text"
  grep -qF "$why" "$WORK/last.log" || { cat "$WORK/last.log"; fail "--$opt '$text' message"; }
  [ ! -e "$WORK/u2/metadata.json" ] || fail "a run was started with --$opt '$text'"
done
expect 0 run 0 "$WORK/u" --benchmark-metadata '{"note":"mine"}'
grep -qF '"note":"mine"' "$WORK/u/metadata.json" || fail "benchmark_metadata not recorded"
note "algs NULL with n_algs 3 is refused before anything is written"
expect 1 run 0 "$WORK/n" --null-algs
grep -qF 'algs is NULL (n_algs 3)' "$WORK/last.log" \
  || { cat "$WORK/last.log"; fail "NULL algs message"; }
[ ! -e "$WORK/n/metadata.json" ] || fail "a run was started with NULL algs"
echo "basic.sh: all passed"
