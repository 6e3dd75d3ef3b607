#!/usr/bin/env bash
# Sizes beyond the documented limits (DCKPT_MAX_TRIALS, _PAIRS, _ITERATIONS,
# _ALGORITHMS) are refused before anything is written or allocated: a config
# asking for 10^12 trials creates nothing, and the directory still takes a
# sane campaign afterwards; a metadata.json claiming 10^15 trials makes
# `dckpt status` and `dckpt verify` answer at once (exit 1, naming the file)
# instead of running for minutes or running out of memory.
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup

for spec in 'c["trials"] = 1000000000000' \
            'c["algorithms"][0]["iterations"] = 10**16' \
            'c["trials"] = 2**24 + 1' \
            'c["algorithms"][0]["iterations"] = 9 * 10**15; c["trials"] = 1100'; do
  note "config: $spec"
  edit_config "$cfg" "$WORK/big.json" "$spec"
  rm -rf "$WORK/big"
  set +e
  run "$NP" "$WORK/big.json" --checkpoint-dir "$WORK/big" >"$WORK/last.out" 2>"$WORK/last.err"
  code=$?
  set -e
  [ "$code" = 1 ] || [ "$code" = 2 ] || { cat "$WORK/last.err"; fail "exit $code"; }
  grep -qE "limit|at most" "$WORK/last.err" || { cat "$WORK/last.err"; fail "no limit named"; }
  [ "$(tree_sum "$WORK/big")" = absent ] || [ ! -e "$WORK/big/metadata.json" ] ||
    fail "a refused campaign initialized the directory"
  expect 0 run "$NP" "$cfg" --checkpoint-dir "$WORK/big" --quiet
  digest "$WORK/big" "$WORK/big.digest"
  same "$WORK/ref.digest" "$WORK/big.digest"
done

note "growing past the limits is refused and changes nothing"
d=$(partial grow)
before=$(tree_sum "$d")
# past what the flag takes: a usage error (exit 2) before anything is read
expect 2 run "$NP" "$cfg" --checkpoint-dir "$d" --add-trials 20000000
grep_in "$WORK/last.err" "--add-trials needs an integer >= 0 and at most 16777216"
[ "$before" = "$(tree_sum "$d")" ] || fail "the refused growth changed the directory"
# within it, but the campaign's trials would then pass DCKPT_MAX_TRIALS (and
# their metric histories dckpt-bench's limit): refused before the run (exit 2)
expect 2 run "$NP" "$cfg" --checkpoint-dir "$d" --add-trials 16777216
grep_in "$WORK/last.err" "limit"
[ "$before" = "$(tree_sum "$d")" ] || fail "the refused growth changed the directory"

# `dckpt status` and `dckpt verify` of DIR answer at once with exit 1, naming
# metadata.json and the given cause.
refused_at_once() {
  local dir=$1 cause=$2 cmd code
  for cmd in status verify; do
    set +e
    timeout 60 "$CLI" "$cmd" "$dir" >"$WORK/last.out" 2>"$WORK/last.err"
    code=$?
    set -e
    [ "$code" = 1 ] || { cat "$WORK/last.err"; fail "dckpt $cmd exited $code, wanted 1"; }
    cat "$WORK/last.out" "$WORK/last.err" >"$WORK/last.all"
    grep_in "$WORK/last.all" "metadata.json"
    grep_in "$WORK/last.all" "$cause"
  done
}

note "a hostile metadata.json answers at once"
d=$WORK/hostile && rm -rf "$d" && cp -a "$WORK/ref" "$d"
sed -i -E 's/"n_trials":[0-9]+/"n_trials":1000000000000000/' "$d/metadata.json"
refused_at_once "$d" "exceed the limit"
expect 1 run "$NP" "$cfg" --checkpoint-dir "$d"
grep_in "$WORK/last.err" "exceed the limit"

note "a metadata.json whose plan adds up past 2^63 iterations answers at once"
# its sums overflowed (UBSan: signed overflow; status: negative totals)
d=$WORK/hostile2 && rm -rf "$d" && cp -a "$WORK/ref" "$d"
sed -i -E 's/"n_trials":[0-9]+/"n_trials":2000/; s/"iterations":[0-9]+/"iterations":9000000000000000/g' \
  "$d/metadata.json"
refused_at_once "$d" "iterations in all, exceed the limit"
echo "limits.sh: all passed"
