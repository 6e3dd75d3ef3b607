#!/usr/bin/env bash
# No shell script pipes into a grep that quits at the first match (-q,
# --quiet, --silent): grep leaves while the command before it may still be
# writing, that command dies of SIGPIPE, and under `set -o pipefail` the
# pipeline fails although the text was there (a false failure, or a check
# that can never fail when it is negated). Write `cmd | grep X >/dev/null`
# (grep reads everything), keep the output in a variable or a file first, or
# use `grep -c`.
# Usage: pipe_quiet.sh SOURCE_DIR
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files 2>/dev/null | grep -E '\.(sh|sbatch|bash)$' || true)
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(find . -path ./build\* -prune -o -type f \
    \( -name '*.sh' -o -name '*.sbatch' -o -name '*.bash' \) -print | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no shell scripts under $1" >&2; exit 1; }
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  # comment lines are prose; a quiet grep right after a pipe is the hazard
  hits=$(grep -nE '(^|[^|])\|[[:space:]]*grep([[:space:]]+[^|]*)?[[:space:]](-[a-zA-Z]*q[a-zA-Z]*|--quiet|--silent)([[:space:]]|$)' "$f" |
    grep -vE '^[0-9]+:[[:space:]]*#' || true)
  if [ -n "$hits" ]; then
    while IFS= read -r h; do echo "$f:$h" >&2; done <<<"$hits"
    bad=$((bad + 1))
  fi
done
if [ "$bad" -gt 0 ]; then
  echo "FAIL: a pipe into grep -q in $bad file(s): use 'grep ... >/dev/null' (see $0)" >&2
  exit 1
fi
echo "pipe_quiet: ${#files[@]} scripts, no pipe into a quiet grep"
