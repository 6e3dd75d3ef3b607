#!/usr/bin/env bash
# Every C source and header of the project is laid out as .clang-format says.
# Usage: format.sh CLANG_FORMAT SOURCE_DIR
# The files are the ones git tracks, or every *.c/*.h outside build trees when
# the source is not a git checkout (a release tarball).
set -euo pipefail
cf=$1 src=$2
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find . -path './build*' -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no C files found under $src" >&2; exit 1; }
# One clang-format for all files (one process per file took 40-100 s of the
# suite: its start-up, ~0.15 s each, 339 times); each file it would change is
# named in its "file:line:col: error: code should be clang-formatted" lines.
set +e
out=$(printf '%s\0' "${files[@]}" | xargs -0 "$cf" --style=file --dry-run -Werror 2>&1)
rc=$?
set -e
if [ "$rc" != 0 ]; then
  mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
  if [ "${#bad[@]}" = 0 ]; then
    printf '%s\n' "$out" >&2
    echo "FAIL: $cf failed (exit $rc) before judging the files" >&2
    exit 1
  fi
  echo "FAIL: ${#bad[@]} file(s) differ from $cf's layout (.clang-format):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix with: $cf -i ${bad[*]}   (or git clang-format for staged changes)" >&2
  exit 1
fi
echo "format.sh: ${#files[@]} files laid out as .clang-format says ($("$cf" --version))"
