#!/usr/bin/env bash
# Shared runs (issue 12 item 5) inside dckpt_run, two cases the bench_app
# tests do not reach:
#  (1) The completion index of several runs: two shared runs on one campaign
#      each commit their own index file (b with --shared-wait: it takes over
#      the pair of a killed a); one is SIGKILLed just before a step
#      of its index commits or of its markers (chosen at random: the seed is
#      printed, DCKPT_TEST_SEED replays it). While the other still works,
#      the merged index lists only complete pairs (a scan trusts it, and every
#      pair it lists is complete in a deep scan taken after); at the end it
#      lists exactly the complete pairs (all of them; equal to --deep) and the
#      results equal an uninterrupted run.
#  (2) A stale claim of another host: a pair's lease names a holder on
#      another host (no kernel lock, so only its age can tell), renewed just
#      now. A shared run (--shared-wait) completes every other pair and leaves
#      that one alone (its checkpoint untouched); a shared run started then
#      finds nothing to claim and exits 0 at once, leaving it too; once the renewal is older than the timeout
#      (900 s), the run takes the pair over, resumes it from its checkpoint and
#      completes the campaign bit-identical, naming the old holder.
#  (3) Leases of complete pairs whose holders ended without releasing them:
#      a shared run removes those of gone holders at its end, and keeps a
#      live holder's.
#   shared.sh "MPIEXEC -n NP" CAMPAIGN WORK DCKPT
here=$(dirname "$0")
. "$here/lib.sh"
setup "$1" "$2" "$3"
DCKPT=$4
args=(--trials 4 --iters 12,9,6 --step 4 --index-interval 0)
expect 0 run 0 "$WORK/ref" "${args[@]}" --dump "$WORK/ref.txt"

seed=${DCKPT_TEST_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "seed $seed (DCKPT_TEST_SEED=$seed replays it)"
RANDOM=$seed

# status_json DIR [--deep] > FILE
status_json() { "$DCKPT" status "$@" --json 2>/dev/null || true; }

# subset FAST DEEP WHAT: the fast scan trusted the index, and every pair it
# says is complete is complete in the deep scan (taken after it).
subset() {
  python3 - "$1" "$2" <<'EOF' || fail "$3"
import json, sys
fast, deep = (json.load(open(p)) for p in sys.argv[1:3])
assert fast["scan"]["note"] == "", fast["scan"]
for fa, da in zip(fast["algorithms"], deep["algorithms"]):
    for ft, dt in zip(fa["trials"], da["trials"]):
        assert ft["state"] != "complete" or dt["state"] == "complete", (fa["name"], ft, dt)
EOF
}

# exact DIR N WHAT: the index lists exactly the complete pairs, all N of them.
exact() {
  status_json "$1" >"$WORK/fast.json"
  status_json "$1" --deep >"$WORK/deep.json"
  python3 - "$WORK/fast.json" "$WORK/deep.json" "$2" <<'EOF' || fail "$3"
import json, sys
fast, deep = (json.load(open(p)) for p in sys.argv[1:3])
s = fast["scan"]
assert s["note"] == "" and s["listed"] == int(sys.argv[3]) and s["read"] == 0, s
strip = lambda d: [[t["state"] for t in a["trials"]] for a in d["algorithms"]]
assert strip(fast) == strip(deep), (strip(fast), strip(deep))
EOF
}

pair_leases() { { find "$1/leases" -name 'pair.*.lease' 2>/dev/null || true; } | wc -l; }

note "(1) two shared runs, one killed before a step of its index or markers"
steps=(index.write index.rename index.dirsync complete.rename)
kills=0
for round in 1 2 3 4 5 6; do
  step=${steps[$((RANDOM % ${#steps[@]}))]}
  nth=$((1 + RANDOM % 5))
  d=$WORK/r$round
  what="round $round: kill before $step #$nth"
  bg 0 "$d" "${args[@]}" --sleep-us 20000 --shared --shared-wait --run-name b --quiet \
    --dump "$WORK/b.txt"
  b=$PID
  set +e
  run 0 "$d" "${args[@]}" --sleep-us 20000 --shared --run-name a --quiet \
    --kill-at-step "$step:$nth" >"$WORK/a.log" 2>&1
  code=$?
  set -e
  how="a finished (fewer such steps)"
  if [ "$code" = 137 ]; then
    how="a killed"
    kills=$((kills + 1))
    # b still works (or has just finished): the merged index never leads
    status_json "$d" >"$WORK/fast.json"
    status_json "$d" --deep >"$WORK/deep.json"
    [ -e "$d/metadata.json" ] && subset "$WORK/fast.json" "$WORK/deep.json" "$what: while b runs"
  elif [ "$code" != 0 ]; then
    cat "$WORK/a.log" >&2
    fail "$what: run a exited $code"
  fi
  set +e
  wait "$b"
  code=$?
  set -e
  [ "$code" = 0 ] || fail "$what: run b exited $code"
  same "$WORK/ref.txt" "$WORK/b.txt"
  exact "$d" 12 "$what: at the end"
  files=$(find "$d/index" -name 'run-*.idx' | wc -l)
  [ "$(pair_leases "$d")" = 0 ] || fail "$what: pair leases left"
  note "$what: $how; b completed; $files index file(s) merged, listing all 12"
done
[ "$kills" -ge 3 ] || fail "run a was killed only $kills times in 6 rounds"

note "(2) a pair held from another host: kept while renewed, taken once stale"
d=$WORK/remote
set +e
run 0 "$d" "${args[@]}" --shared --kill-at 0:1:9 --quiet >"$WORK/k.log" 2>&1
code=$?
set -e
[ "$code" = 137 ] || { cat "$WORK/k.log" >&2; fail "the first run exited $code, not killed"; }
lease=$d/leases/pair.0.1.lease
trial=$d/algorithm_0/trial_1
[ -e "$trial/progress.json" ] || fail "no checkpoint of (0, 1)"
# the files of (0, 1): its checkpoints and progress.json
trial_sum() { (cd "$trial" && md5sum -- *); }
# holder_on_other_host AGE: the facts of a holder on node-9.far renewed AGE s ago
holder_on_other_host() {
  local when
  when=$(date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%SZ)
  printf '{"host":"node-9.far","pid":777,"job_id":"far-1","started":"%s","renewed":"%s"}\n' \
    "$when" "$when" >"$lease.new"
  mv "$lease.new" "$lease"
}
# the killed run's lease of (0, 1), as if its holder ran on another host
grep -q '"pid"' "$lease" || fail "the killed run left no lease of (0, 1)"
holder_on_other_host 0
sum=$(trial_sum)
bg 0 "$d" "${args[@]}" --sleep-us 2000 --shared --shared-wait --run-name c --dump "$WORK/c.txt" \
  >"$WORK/c.log" 2>&1
c=$PID
# every other pair complete: c went past (0, 1) and watches it
for _ in $(seq 600); do
  n=$(find "$d" -name complete.json | wc -l)
  [ "$n" -ge 11 ] && break
  kill -0 "$c" 2>/dev/null || { cat "$WORK/c.log" >&2; fail "run c ended early"; }
  sleep 0.1
done
[ "$n" -ge 11 ] || fail "run c did not complete the other pairs"
kill -0 "$c" 2>/dev/null || { cat "$WORK/c.log" >&2; fail "run c ended while (0, 1) was held"; }
grep -q node-9.far "$lease" || fail "the fresh lease of another host was taken"
[ "$(trial_sum)" = "$sum" ] ||
  fail "the pair held from another host was written to"
# grep without -q reads all of it: -q left at the first match, dckpt status
# still writing got SIGPIPE, and pipefail called the match a failure
"$DCKPT" status "$d" | grep -F 'pair:    (0, 1) held by host node-9.far, pid 777, job far-1' >/dev/null ||
  { "$DCKPT" status "$d" >&2; fail "status does not name the remote holder"; }
note "run c completed the other 11 pairs and left (0, 1) to node-9.far"
# a run that finds nothing to claim exits 0 at once, leaving the pair
expect 0 run 0 "$d" "${args[@]}" --shared --run-name e --dump "$WORK/e.txt"
grep -q node-9.far "$lease" || fail "run e took the fresh lease of another host"
grep -q '"pairs_completed":11' "$d/runs/e/run_status.json" ||
  { cat "$d/runs/e/run_status.json" >&2; fail "run e's status does not say 11/12"; }
grep -q 'held by other runs' "$d/runs/e/run_status.json" || fail "run e's status names no holder"
[ ! -e "$WORK/e.txt" ] || fail "run e dumped results with a pair left"
kill -0 "$c" 2>/dev/null || { cat "$WORK/c.log" >&2; fail "run c (--shared-wait) ended while (0, 1) was held"; }
note "run e found nothing to claim and exited 0: $(head -c 200 "$d/runs/e/run_status.json")"
holder_on_other_host 1000
set +e
wait "$c"
code=$?
set -e
[ "$code" = 0 ] || { cat "$WORK/c.log" >&2; fail "run c exited $code"; }
grep -q 'node-9.far' "$WORK/c.log" || { cat "$WORK/c.log" >&2; fail "the take-over named no holder"; }
same "$WORK/ref.txt" "$WORK/c.txt"
exact "$d" 12 "after the take-over"
[ "$(pair_leases "$d")" = 0 ] || fail "pair leases left"
note "taken over once stale: $(grep -m1 node-9.far "$WORK/c.log")"

note "(3) leases of complete pairs left by holders that ended without releasing them"
# (a run killed after its pair's completion was committed, or after finding
# it complete: no run claims that pair again, so its lease stayed)
lease=$d/leases/pair.0.2.lease
holder_on_other_host 1000 # gone: renewed longer ago than the timeout
lease=$d/leases/pair.1.0.lease
holder_on_other_host 0 # alive, as far as anyone can tell
expect 0 run 0 "$d" "${args[@]}" --shared --run-name f --dump "$WORK/f.txt"
same "$WORK/ref.txt" "$WORK/f.txt"
[ ! -e "$d/leases/pair.0.2.lease" ] || fail "the lease of a gone holder on a complete pair stayed"
grep -q node-9.far "$d/leases/pair.1.0.lease" || fail "a live holder's lease was taken"
note "the gone holder's lease was removed, the live one's kept"
echo "shared.sh: all passed"
