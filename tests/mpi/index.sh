#!/usr/bin/env bash
# The completion index inside dckpt_run: rank 0 (with its service thread, and
# without) is SIGKILLed just before steps of its index commits and of the
# markers; after each kill `dckpt status` trusts the index (it never lists a
# pair that is not complete) and agrees with a deep scan, the directory
# verifies, and a resume ends bit-identical to an uninterrupted run with
# every pair listed. Also: a run without an index (made by an older dckpt)
# gets one; growth takes the grown algorithm's pairs out of it; a commit held
# in progress stops no hand-out and the run's end waits for it; a commit that
# fails is not retried in a loop.
#   index.sh "MPIEXEC -n NP" CAMPAIGN WORK DCKPT
here=$(dirname "$0")
. "$here/lib.sh"
setup "$1" "$2" "$3"
DCKPT=$4
np=$(echo "$MPIRUN" | awk '{print $3}')
args=(--trials 4 --iters 12,9,6 --step 4 --index-interval 0)

# consistent DIR: status trusts the index and equals --deep
consistent() {
  "$DCKPT" status "$1" --json >"$WORK/fast.json" 2>"$WORK/fast.err" || true
  "$DCKPT" status "$1" --json --deep >"$WORK/deep.json" 2>/dev/null || true
  python3 - "$WORK/fast.json" "$WORK/deep.json" <<'EOF' || { cat "$WORK/fast.err"; fail "$2"; }
import json, sys
fast, deep = (json.load(open(p)) for p in sys.argv[1:3])
assert fast["scan"]["note"] == "", fast["scan"]
strip = lambda d: [[(t["state"], t["last_iteration"]) for t in a["trials"]] for a in d["algorithms"]]
assert strip(fast) == strip(deep), (strip(fast), strip(deep))
EOF
}

listed() {
  "$DCKPT" status "$1" --json | python3 -c \
    "import json,sys; s=json.load(sys.stdin)['scan']; sys.exit(0 if s['listed']==$2 and s['read']==0 else 1)" ||
    fail "$1: the index does not list all $2 pairs"
}

expect 0 run 0 "$WORK/ref" "${args[@]}" --dump "$WORK/ref.txt"
listed "$WORK/ref" 12
kills=0
for thread in "" --thread-multiple; do
  for step in index.write index.rename index.compact complete.rename; do
    for nth in 2 6; do
      # How many such steps rank 0 takes depends on how the pairs fell to the
      # ranks and how many completions each index commit gathered (a loaded
      # machine batches more): a run that ended before its nth step is tried
      # again at an earlier one, down to the 3rd (the 2nd has its own round).
      while :; do
        d=$WORK/k && rm -rf "$d"
        what="kill before $step #$nth ${thread:-(no thread)}"
        set +e
        run "$np" "$d" "${args[@]}" $thread --kill-at-step "$step:$nth" >"$WORK/k.log" 2>&1
        code=$?
        set -e
        for _ in $(seq 50); do # the other ranks of a killed job
          pkill -KILL -f "^$CAMPAIGN $d " 2>/dev/null || break
          sleep 0.1
        done
        [ "$code" = 0 ] && [ "$nth" -gt 3 ] || break
        nth=$((nth - 1))
      done
      [ "$code" != 0 ] || continue # fewer than nth such steps on rank 0
      kills=$((kills + 1))
      [ -e "$d/metadata.json" ] || continue
      consistent "$d" "$what"
      expect 0 run 0 "$d" --verify
      expect 0 run "$np" "$d" "${args[@]}" $thread --dump "$WORK/k.txt"
      same "$WORK/ref.txt" "$WORK/k.txt"
      listed "$d" 12
    done
  done
done
note "rank 0 was killed $kills times"
[ "$kills" -ge 12 ] || fail "too few kills ($kills)"

note "a commit held in progress: pairs are still handed out, the run's end waits for it"
# Rank 0's first index commit stays at index.write until every pair is
# complete. Reports and hand-outs (the dispenser: rank 0's service thread, or
# rank 0 between its iterations) must go on meanwhile: nothing but the index's
# own thread waits for its files. The end-of-run commit then waits for the
# one in progress and lists every pair.
for thread in "" --thread-multiple; do
  d=$WORK/hold && rm -rf "$d" "$WORK/release" "$WORK/release.held"
  bg "$np" "$d" "${args[@]}" --dispenser $thread --hold-step "index.write:$WORK/release" \
    --dump "$WORK/hold.txt" >"$WORK/hold.log" 2>&1
  n=0
  for _ in $(seq 3000); do # every pair complete, the commit still held
    [ -e "$WORK/release.held" ] &&
      n=$(find "$d" -name complete.json | wc -l) && [ "$n" -ge 12 ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -e "$WORK/release.held" ] && [ "$n" -ge 12 ] || {
    touch "$WORK/release"
    wait "$PID" || true
    cat "$WORK/hold.log"
    fail "${thread:-no thread}: $n of 12 pairs complete while a commit was held"
  }
  touch "$WORK/release"
  wait "$PID" || { cat "$WORK/hold.log"; fail "${thread:-no thread}: the held run failed"; }
  same "$WORK/ref.txt" "$WORK/hold.txt"
  listed "$d" 12
done

note "a commit that fails is a warning, tried again at most once a second"
# DIR/index immutable (chattr +i: even root cannot create a file in it):
# every commit fails. With index_interval 0 the committer must not retry
# in a loop: at most one periodic attempt a second, plus the forced ones.
d=$WORK/immutable && rm -rf "$d" && mkdir -p "$d/index"
if chattr +i "$d/index" 2>/dev/null; then
  t0=$(date +%s)
  set +e
  run 0 "$d" "${args[@]}" --sleep-us 20000 --count-step index.write >"$WORK/imm.log" 2>&1
  code=$?
  set -e
  secs=$(($(date +%s) - t0 + 1))
  chattr -i "$d/index"
  [ "$code" = 0 ] || { cat "$WORK/imm.log"; fail "a run whose index cannot be written failed"; }
  grep -q "cannot write the completion index" "$WORK/imm.log" ||
    { cat "$WORK/imm.log"; fail "no warning about the index"; }
  n=$(sed -n 's/^step index.write reached \([0-9]*\) times$/\1/p' "$WORK/imm.log")
  [ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" -le $((secs + 4)) ] ||
    { cat "$WORK/imm.log"; fail "${n:-no} commit attempts in ${secs} s"; }
  note "$n failed commit attempts in about $secs s"
else
  note "SKIP: chattr +i is not available here"
fi

note "a run directory without an index gets one on resume"
d=$WORK/old && rm -rf "$d" && cp -a "$WORK/ref" "$d" && rm -rf "$d/index"
expect 0 run "$np" "$d" "${args[@]}" --dump "$WORK/old.txt"
same "$WORK/ref.txt" "$WORK/old.txt"
listed "$d" 12

note "growth: the grown algorithm leaves the index, then is listed again"
d=$WORK/grow && rm -rf "$d" && cp -a "$WORK/ref" "$d"
expect 0 run "$np" "$d" "${args[@]}" --add-iterations 3 --dump "$WORK/grow.txt"
expect 0 run 0 "$WORK/big" --trials 4 --iters 15,12,9 --step 4 --dump "$WORK/big.txt"
same "$WORK/big.txt" "$WORK/grow.txt"
listed "$d" 12
echo "index.sh: all passed"
