#!/usr/bin/env bash
# Shared runs end once nothing is left to claim (issue 12 item 3), and wait
# with --shared-wait. Run A is stopped (SIGSTOP: alive, so its pair's holder
# is not gone) while it holds a pair's lease.
# 1. Run B, started then, runs every other pair and exits 0 while A still
#    holds its pair: B's run_status.json says one pair is held by another
#    run and B computed no results. A, continued, completes its pair and
#    computes the results: bit-identical to the uninterrupted reference.
# 2. The same with B --shared-wait: once every other pair is complete, A is
#    SIGKILLed; B takes its pair over, completes the campaign and computes
#    the results (bit-identical).
# 3. Two runs that end together: A and B each stopped while holding a pair
#    near the end, continued in a random order; both exit 0, the results are
#    computed (once: a second finds them computed) and bit-identical, no lease
#    is left. Seed printed.
# 4. A run of the campaign as it was (A, 5 trials), stopped holding a pair,
#    while B grows it to 6 trials and is stopped holding a pair of trial 5:
#    A, continued, completes its plan and exits 0 saying the new pairs are
#    left to others (it took the grown campaign for its plan and failed
#    making the results, exit 1); B, continued, completes the campaign and
#    computes the results; the first 5 trials equal the reference.
# 5. Two runs of 2 ranks each ending together: rank 1 of A stopped holding
#    a pair, rank 1 of B holding another; rank 0 of each runs the rest and
#    finds the other run's pair held. A's rank 1, continued, completes its
#    pair and A exits 0 (B's pair held); B's rank 1, continued, completes the
#    last pair and B finds the campaign complete: results computed (each run
#    judged the other's pair by its rank 0's look before its own rank 1 had
#    finished, and neither computed them). Bit-identical.
# EXTRA: the reference directory (fixture bench_app.reference).
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
interrupt_setup

total() { sed -n 's/.*"pairs_total":\([0-9]*\).*/\1/p' "$1"; }
completed() { sed -n 's/.*"pairs_completed":\([0-9]*\).*/\1/p' "$1"; }

# stopped_holder LOG [ARGS...]: a shared run A on $dir (with ARGS), stopped
# (SIGSTOP) once it holds a pair's lease; sets apid and lease.
stopped_holder() {
  local log=$1
  shift
  bg 0 "$cfg" --checkpoint-dir "$dir" --shared "$@" --quiet >"$log" 2>&1
  apid=$PID
  lease=$(wait_lease "$apid")
  kill -STOP "$apid"
}

# ---- 1. a run with nothing left to claim exits 0 at once
dir=$WORK/run1
stopped_holder "$WORK/A1.log" --run-name A
note "run A (pid $apid) stopped holding $(basename "$lease")"
# a second run given the live run's name is refused before any work: the
# message names the name, its holder and how to stop that run alone, and the
# last line says the name is held (it said "directory is locked by another
# run"; the holder read "job ''" outside a batch job)
expect 1 run 0 "$cfg" --checkpoint-dir "$dir" --shared --run-name A
grep_in "$WORK/last.err" "the run name 'A' is in use in '$dir' ('$dir/runs/A/run.lease' is held by pid $apid on host "
grep_in "$WORK/last.err" "or stop that run first (create '$dir/runs/A/HALT': it stops that run alone"
grep_in "$WORK/last.err" "dckpt-bench: the run name 'A' is held by another live run (the error above)"
# told by the runtime's status (a code of its own, not the directory's ELOCKED)
grep_in "$dir/run_status.json" '"status":"ENAMEINUSE"'
if [ -z "${SLURM_JOB_ID:-}" ] && grep -qF "job ''" "$WORK/last.err"; then
  fail "the holder is said with an empty job"
fi
[ ! -e "$dir/runs/A/run_status.json" ] || fail "the refused run wrote A's run_status.json"
expect 0 run 0 "$cfg" --checkpoint-dir "$dir" --shared --run-name B
[ -e "$lease" ] || fail "A's lease is gone while A is stopped"
bs=$dir/runs/B/run_status.json
grep_in "$bs" '"exit_code":0'
grep_in "$bs" "held by other runs"
[ "$(completed "$bs")" = $(($(total "$bs") - 1)) ] ||
  { cat "$bs" >&2; fail "B's status does not count one pair left to A"; }
grep_in "$WORK/last.out" "held by other runs"
[ ! -e "$dir/results/table.csv" ] || fail "B computed the results with A's pair left"
note "B exited 0 while A holds its pair: $(head -c 300 "$bs")"
kill -CONT "$apid"
set +e; wait "$apid"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/A1.log" >&2; fail "A exited $code"; }
as=$dir/runs/A/run_status.json
[ "$(completed "$as")" = "$(total "$as")" ] || { cat "$as" >&2; fail "A did not complete"; }
shared_like_reference

# ---- 2. --shared-wait: B waits and takes over a killed holder's pair
dir=$WORK/run2
stopped_holder "$WORK/A2.log"
bg 0 "$cfg" --checkpoint-dir "$dir" --shared --shared-wait --run-name B --quiet \
  >"$WORK/B2.log" 2>&1
bpid=$PID
tot=$(( $(grep -c '"name"' "$cfg") - 1 ))
for _ in $(seq 30000); do
  [ -e "$dir/runs/B/run_status.json" ] && fail "B --shared-wait ended with A's pair held"
  [ -d "$dir/leases" ] && [ "$(find "$dir/leases" -name 'pair.*' | wc -l)" = 1 ] &&
    [ "$(n_complete "$dir")" -ge $((tot * 5 - 1)) ] && break
  sleep 0.02
done
[ "$(n_complete "$dir")" -ge $((tot * 5 - 1)) ] || fail "B did not run the other pairs"
note "every pair but A's is complete; B waits; A SIGKILLed"
kill -KILL "$apid"
set +e; wait "$apid"; set -e
set +e; wait "$bpid"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/B2.log" >&2; fail "B exited $code"; }
bs=$dir/runs/B/run_status.json
[ "$(completed "$bs")" = "$(total "$bs")" ] || { cat "$bs" >&2; fail "B did not complete"; }
shared_like_reference

# ---- 3. two runs ending together
dir=$WORK/run3
stopped_holder "$WORK/A3.log" --run-name A
bg 0 "$cfg" --checkpoint-dir "$dir" --shared --run-name B --quiet >"$WORK/B3.log" 2>&1
bpid=$PID
# B holds a pair, every other pair but A's and B's being complete
bstate="B ended first"
for _ in $(seq 30000); do
  if f=$(holds_lease "$bpid") && [ -n "$f" ] && [ "$(n_complete "$dir")" -ge $((tot * 5 - 2)) ]; then
    kill -STOP "$bpid"
    bstate="B stopped holding $(basename "$f")"
    break
  fi
  kill -0 "$bpid" 2>/dev/null || break
  [ -e "$dir/runs/B/run_status.json" ] && break
  sleep 0.005
done
if [ $((RANDOM % 2)) = 1 ]; then first=$apid second=$bpid; else first=$bpid second=$apid; fi
note "A stopped holding a pair; $bstate; continued: pid $first, then pid $second"
kill -CONT "$first" 2>/dev/null || true
kill -CONT "$second" 2>/dev/null || true
for p in $apid $bpid; do
  set +e; wait "$p"; code=$?; set -e
  [ "$code" = 0 ] || { cat "$WORK/A3.log" "$WORK/B3.log" >&2; fail "run $p exited $code"; }
done
n=0
for r in A B; do
  s=$dir/runs/$r/run_status.json
  [ "$(completed "$s")" = "$(total "$s")" ] && n=$((n + 1))
done
[ "$n" -ge 1 ] || fail "neither run found the campaign complete: no results"
note "both exited 0; $n of them found the campaign complete"
shared_like_reference

# ---- 4. a shared run of the old plan while another grows the campaign
dir=$WORK/run4
stopped_holder "$WORK/A4.log" --run-name A
bg 0 "$cfg" --checkpoint-dir "$dir" --shared --run-name B --trials 6 --quiet \
  >"$WORK/B4.log" 2>&1
bpid=$PID
for _ in $(seq 30000); do
  f=$(holds_lease "$bpid") && [[ "$f" == *.5.lease ]] && break
  kill -0 "$bpid" 2>/dev/null || { cat "$WORK/B4.log" >&2; fail "B ended before it held a pair of trial 5"; }
  sleep 0.005
done
[[ "$f" == *.5.lease ]] || fail "B held no pair of trial 5"
kill -STOP "$bpid"
note "A stopped holding $(basename "$lease"); B grew the campaign to 6 trials, stopped holding $(basename "$f")"
kill -CONT "$apid"
set +e; wait "$apid"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/A4.log" >&2; fail "A exited $code with B holding a new pair"; }
as=$dir/runs/A/run_status.json
[ "$(total "$as")" = $((tot * 6)) ] || { cat "$as" >&2; fail "A does not count the grown campaign"; }
[ "$(completed "$as")" -lt $((tot * 6)) ] || { cat "$as" >&2; fail "A counts B's pair complete"; }
grep_in "$as" "the campaign grew to 6 trials after this run made its plan"
[ ! -e "$dir/results/table.csv" ] || fail "A computed the results with B's pair left"
note "A exited 0: $(head -c 300 "$as")"
kill -CONT "$bpid"
set +e; wait "$bpid"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/B4.log" >&2; fail "B exited $code"; }
bs=$dir/runs/B/run_status.json
[ "$(completed "$bs")" = $((tot * 6)) ] && [ "$(total "$bs")" = $((tot * 6)) ] ||
  { cat "$bs" >&2; fail "B did not complete the grown campaign"; }
[ -e "$dir/results/table.csv" ] || fail "B computed no results"
[ "$(find "$dir/leases" -name 'pair.*' | wc -l)" = 0 ] || fail "pair leases left behind"
digest "$dir" "$WORK/run4.digest"
grep -v '^metrics ' "$ref/ref.digest" | while read -r line; do
  grep -qxF "$line" "$WORK/run4.digest" || fail "grown campaign: '$line' differs from the reference"
done
note "B completed the grown campaign; trials 0-4 equal the reference"

# ---- 5. two runs of several ranks ending together
# rank_pid NAME RANK: the process of rank RANK of the run named NAME, once it
# exists (the ranks keep the launcher's command line).
rank_pid() {
  local p
  for _ in $(seq 3000); do
    for p in $(pgrep -f "^$BENCH .*--run-name $1( |\$)" || true); do
      tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -x "OMPI_COMM_WORLD_RANK=$2" >/dev/null &&
        { echo "$p"; return 0; }
    done
    sleep 0.02
  done
  fail "no rank $2 of run $1"
}
dir=$WORK/run5
declare -A launcher one
for r in A B; do
  bg 2 "$cfg" --checkpoint-dir "$dir" --shared --run-name "$r" --quiet >"$WORK/${r}5.log" 2>&1
  launcher[$r]=$PID
  one[$r]=$(rank_pid "$r" 1)
  wait_lease "${one[$r]}" >/dev/null
  kill -STOP "${one[$r]}"
done
for _ in $(seq 30000); do
  [ "$(n_complete "$dir")" -ge $((tot * 5 - 2)) ] && break
  sleep 0.02
done
[ "$(n_complete "$dir")" = $((tot * 5 - 2)) ] || fail "the ranks 0 did not run the other pairs"
note "ranks 1 of A and B stopped holding a pair each; every other pair complete"
kill -CONT "${one[A]}"
set +e; wait "${launcher[A]}"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/A5.log" >&2; fail "A exited $code"; }
[ ! -e "$dir/results/table.csv" ] || fail "A computed the results with B's pair held"
kill -CONT "${one[B]}"
set +e; wait "${launcher[B]}"; code=$?; set -e
[ "$code" = 0 ] || { cat "$WORK/B5.log" >&2; fail "B exited $code"; }
bs=$dir/runs/B/run_status.json
[ "$(completed "$bs")" = "$(total "$bs")" ] ||
  { cat "$dir/runs/A/run_status.json" "$bs" >&2; fail "B, which completed the last pair, did not find the campaign complete"; }
note "A exited 0 leaving B's pair; B completed the campaign and computed the results"
shared_like_reference
echo "shared_exit.sh: all passed"
