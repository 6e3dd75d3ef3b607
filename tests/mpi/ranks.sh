#!/usr/bin/env bash
# Many ranks on 2 cores (oversubscribed): fewer pairs than ranks and many
# more pairs than ranks, with the default scheduler in shared memory, with
# rank 0's service thread (MPI_THREAD_MULTIPLE) and without, and with no
# shared memory at all (--mca btl tcp,self --mca osc pt2pt); a stop and a
# resume on another rank count; the completion index then lists every pair,
# and a resume or `dckpt status` reads no pair's markers.
#   ranks.sh "MPIEXEC -n NP" CAMPAIGN WORK DCKPT
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../mpi_grace.sh"
setup "$1" "$2" "$3"
DCKPT=$4
np=$(echo "$MPIRUN" | awk '{print $3}')
few=(--trials 1 --iters 12,9,6 --step 4 --no-fsync)       # 3 pairs
many=(--trials 40 --iters 14,9,6 --step 5 --no-fsync)     # 120 pairs

# status DIR: the completion index lists every pair, no marker is read
all_listed() {
  "$DCKPT" status "$1" --json >"$WORK/status.json" 2>"$WORK/status.err" ||
    { cat "$WORK/status.err"; fail "dckpt status $1"; }
  python3 - "$WORK/status.json" "$2" <<'EOF' || fail "index of $1"
import json, sys
d = json.load(open(sys.argv[1])); s = d["scan"]; n = int(sys.argv[2])
assert d["state"] == "complete", d["state"]
assert s["listed"] == n and s["read"] == 0 and s["note"] == "", s
EOF
}

note "references: singleton runs"
expect 0 run 0 "$WORK/few-ref" "${few[@]}" --dump "$WORK/few-ref.txt"
expect 0 run 0 "$WORK/many-ref" "${many[@]}" --dump "$WORK/many-ref.txt"

note "$np ranks, 3 pairs (most ranks get none), default scheduler"
expect 0 run "$np" "$WORK/few" "${few[@]}" --dump "$WORK/few.txt"
grep -q "status OK: 3/3 pairs complete, 3 run" "$WORK/last.log" || { cat "$WORK/last.log"; fail "report"; }
same "$WORK/few-ref.txt" "$WORK/few.txt"
all_listed "$WORK/few" 3

note "$np ranks, 3 pairs, service thread, messages"
expect 0 run "$np" "$WORK/few-t" "${few[@]}" --thread-multiple --scheduler dispenser \
  --dump "$WORK/few-t.txt"
same "$WORK/few-ref.txt" "$WORK/few-t.txt"

for variant in "default" "thread" "dispenser" "tcp"; do
  extra=() launcher=()
  case $variant in
    thread) extra=(--thread-multiple) ;;
    dispenser) extra=(--scheduler dispenser) ;;
    tcp) extra=(--thread-multiple) launcher=(--mca btl tcp,self --mca osc pt2pt) ;;
  esac
  note "$np ranks, 120 pairs, $variant"
  MPIRUN_EXTRA="${launcher[*]}" expect 0 run "$np" "$WORK/many-$variant" "${many[@]}" \
    "${extra[@]}" --dump "$WORK/many-$variant.txt"
  grep -q "status OK: 120/120 pairs complete, 120 run" "$WORK/last.log" ||
    { cat "$WORK/last.log"; fail "report ($variant)"; }
  same "$WORK/many-ref.txt" "$WORK/many-$variant.txt"
  all_listed "$WORK/many-$variant" 120
  expect 0 run "$np" "$WORK/many-$variant" "${many[@]}" "${extra[@]}"
  grep -q "120/120 pairs complete, 0 run" "$WORK/last.log" || fail "rerun ran pairs"
done

note "$np ranks stopped by SIGTERM mid-run, resumed on 3 ranks"
rm -f "$WORK/ready"
bg "$np" "$WORK/stop" "${many[@]}" --sleep-us 20000 --thread-multiple --ready "$WORK/ready" \
  >"$WORK/bg.log" 2>&1
pid=$PID
for _ in $(seq 600); do [ -e "$WORK/ready" ] && break; sleep 0.1; done
[ -e "$WORK/ready" ] || { cat "$WORK/bg.log"; fail "no trial started"; }
wait_lock "$WORK/stop" "$pid" || fail "the run ended before the stop"
kill -TERM "$pid"
set +e; wait "$pid"; code=$?; set -e
case $code in 0|75|1|143) ;; *) cat "$WORK/bg.log"; fail "exit $code after SIGTERM" ;; esac
expect 0 run 3 "$WORK/stop" "${many[@]}" --dump "$WORK/stop.txt"
same "$WORK/many-ref.txt" "$WORK/stop.txt"
all_listed "$WORK/stop" 120
echo "ranks.sh: all passed"
