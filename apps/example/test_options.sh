#!/usr/bin/env bash
# dckpt-example's command line: numbers are plain decimal digits (strtoull
# read --seed ' -1' as 2^64 - 1, and strtoll took ' 5' and '+5'), and an
# option given twice is refused instead of last-wins. Every case exits 2
# before DIR is created.
#   usage: test_options.sh DCKPT_EXAMPLE TMPDIR
set -euo pipefail
ex=$1 dir=$2/example.options
rm -rf "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
# refused MESSAGE ARGS...: exit 2, MESSAGE in stderr, nothing created
refused() {
  local want=$1 rc=0
  shift
  "$ex" "$@" >/dev/null 2>"$dir.err" || rc=$?
  [ "$rc" = 2 ] || { cat "$dir.err"; fail "$*: exit $rc, not 2"; }
  grep -qF -- "$want" "$dir.err" || { cat "$dir.err"; fail "$*: no '$want'"; }
  [ ! -e "$dir" ] || fail "$*: $dir was created"
}
refused "--seed: ' -1' is not an integer in 0..18446744073709551615" --dir "$dir" --seed " -1"
for v in " 5" "+5" "05" "0x5" "5 " "" "99999999999999999999"; do
  refused "--trials: '$v' is not an integer in 1.." --dir "$dir" --trials "$v"
  refused "--seed: '$v' is not an integer in 0.." --dir "$dir" --seed "$v"
done
refused "option '--trials' given twice ('2' and '3'): give it once" --dir "$dir" --trials 2 --trials=3
refused "option '--dir' given twice" --dir "$dir" --dir "$dir.2"
rm -f "$dir.err"
echo "test_options.sh: all passed"
