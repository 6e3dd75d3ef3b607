#!/usr/bin/env bash
# Progress on rank 0: periodic one-line summaries when output is not a
# terminal, a live bar on a terminal, resumed work counted as done; and the
# optional backup before a resume.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
np=$(echo "$MPIRUN" | awk '{print $3}')
slow=(--sleep-us 5000 --iters 300,200,100 --trials 2 --progress)

note "not a terminal: one line per interval"
bg "$np" "$WORK/p" "${slow[@]}" >"$WORK/p.log" 2>&1
# stopped once two progress lines are out (0.2 s apart in a 3 s campaign)
wait_lock "$WORK/p" "$PID" || true
until [ "$(grep -c '^progress:' "$WORK/p.log" || true)" -ge 2 ]; do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.05
done
pkill -USR1 -f "^$CAMPAIGN $WORK/p " || true
set +e; wait "$PID"; set -e
grep -E "^progress: [0-9.]+% \([0-9]+/1200 iterations\), [0-9]+ it/s, ETA [0-9?:]+; walk [0-9]+%, mix [0-9]+%, heavy [0-9]+%" \
  "$WORK/p.log" >/dev/null || { cat "$WORK/p.log"; fail "no progress line"; }
[ "$(grep -c '^progress:' "$WORK/p.log")" -ge 2 ] || { cat "$WORK/p.log"; fail "fewer than 2 progress lines"; }
grep -q $'\r' "$WORK/p.log" && fail "carriage returns in a log file"

note "resumed work counts as done; a backup is made first"
expect 0 run "$np" "$WORK/p" "${slow[@]}" --sleep-us 0 --backup
first=$(grep -m1 '^progress:' "$WORK/last.log" | sed 's/progress: \([0-9.]*\)%.*/\1/')
awk -v f="$first" 'BEGIN { exit !(f > 0) }' || { cat "$WORK/last.log"; fail "resume started at $first%"; }
ls "$WORK"/p_backup_*.zip >/dev/null 2>&1 || fail "no backup before the resume"
python3 -m zipfile -l "$WORK"/p_backup_*.zip >"$WORK/zip.txt"
grep -q metadata.json "$WORK/zip.txt" || fail "backup lacks metadata.json"

note "a terminal: a live bar"
# script(1) gives the campaign a pseudo-terminal; it is in util-linux
# (Debian's essential bsdutils), so its absence is a failure, not a skip.
command -v script >/dev/null || fail "no 'script' command (util-linux) for a pseudo-terminal"
script -qec "$CAMPAIGN $WORK/t --sleep-us 300 --iters 300,200,100 --trials 2 --progress" /dev/null \
  >"$WORK/t.log" 2>&1 || true
grep -q $'\r\\[#' "$WORK/t.log" || grep -q '\[#' "$WORK/t.log" || { cat -v "$WORK/t.log" | tail; fail "no bar on a terminal"; }
grep -q "ETA" "$WORK/t.log" || fail "no ETA on the bar"
echo "progress.sh: all passed"
