#!/usr/bin/env bash
# Every registered CTest entry is named area.case (lower case, digits and
# underscores, dots between the parts), and its area is one of the areas of
# tests/CMakeLists.txt or a program's own (example, tsan), so that
# `ctest -R '^store\.'` selects exactly one area.
# Usage: test_names.sh CTEST BUILD_DIR SOURCE_DIR
set -euo pipefail
ctest=$1 build=$2 src=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
mapfile -t names < <("$ctest" --test-dir "$build" -N | sed -n 's/^ *Test *#[0-9]*: //p')
[ "${#names[@]}" -gt 0 ] || fail "ctest -N in $build lists no test"
areas=$(sed -n 's/^foreach(area \(.*\))$/\1/p' "$src/tests/CMakeLists.txt")
[ -n "$areas" ] || fail "no area list in $src/tests/CMakeLists.txt"
areas=" $areas example tsan "
bad=0
for n in "${names[@]}"; do
  if ! [[ "$n" =~ ^([a-z][a-z0-9_]*)\.[a-z0-9_]+(\.[a-z0-9_]+)*$ ]]; then
    echo "$n: not area.case" >&2
    bad=$((bad + 1))
  elif [[ "$areas" != *" ${BASH_REMATCH[1]} "* ]]; then
    echo "$n: area '${BASH_REMATCH[1]}' is not one of:$areas" >&2
    bad=$((bad + 1))
  fi
done
[ "$bad" = 0 ] || fail "$bad of ${#names[@]} test names do not follow area.case"
echo "test_names.sh: ${#names[@]} tests, all named area.case"
