#!/usr/bin/env bash
# Shared runs against one run (issue 12 item 6; docs/performance.md, "Shared
# runs"): the makespan of one campaign run as two shared runs of 1 rank each
# (two `mpirun -np 1 --bind-to none dckpt-bench --shared`, started together)
# against one run of 2 ranks (`mpirun -np 2 --bind-to none dckpt-bench`),
# alternated, REPS times each, on
# fresh directories; then the file-system calls a shared run makes per pair
# for its leases (strace of a 1-rank shared run: every call on a path or a
# descriptor under DIR/leases), against the same campaign not shared.
#
# usage: perf/bench_shared.sh [--build-dir DIR] [--reps N] [--trials N] [--config FILE]
#   defaults: build-bshared, 7 reps, the quickstart config (6 algorithms x 8
#   trials = 48 pairs of 1,000-3,000 iterations), its own trial count.
# Prints the machine facts, the load average before and after, every
# measurement and the medians. Publishable times need the machine alone:
#   flock /work/notes/perf.lock perf/bench_shared.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$here/build-bshared
reps=7
trials=""
config=$here/apps/bench/configs/quickstart.json
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --config) config=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_shared: unknown option '$1'" >&2; exit 2 ;;
  esac
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target dckpt-bench >/dev/null
bench=$build/apps/bench/dckpt-bench
work=$build/bench-shared
rm -rf "$work" && mkdir -p "$work"
extra=(--quiet --no-progress)
# Unbound, both ways: Open MPI binds the lone rank of each `mpirun -np 1` to
# core 0, so two of them on one node share one core (docs/performance.md).
bind=(--bind-to none)
[ -n "$trials" ] && extra+=(--trials "$trials")

echo "## Machine"
echo
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
read -r dev fstype <<<"$(df -T "$work" | awk 'NR == 2 {print $1, $2}')"
echo "- file system of the run directories: $fstype on $dev"
echo "- MPI: $(mpirun --version 2>/dev/null | head -1); build type Release"
echo "- commit: $(git -C "$here" rev-parse --short HEAD)"
echo "- config: $config ${trials:+(--trials $trials)}"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo


now() { date +%s.%N; }

# one_run DIR: one run of 2 ranks; prints its wall time
one_run() {
  local t0 t1
  t0=$(now)
  mpirun -np 2 "${bind[@]}" "$bench" "$config" --checkpoint-dir "$1" "${extra[@]}" >"$1.log" 2>&1 ||
    { cat "$1.log" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc
}

# two_shared DIR: two shared runs of 1 rank each, started together; prints
# the time from their start until both have ended
two_shared() {
  local t0 t1 a b
  t0=$(now)
  mpirun -np 1 "${bind[@]}" "$bench" "$config" --checkpoint-dir "$1" --shared --run-name a "${extra[@]}" \
    >"$1.a.log" 2>&1 &
  a=$!
  mpirun -np 1 "${bind[@]}" "$bench" "$config" --checkpoint-dir "$1" --shared --run-name b "${extra[@]}" \
    >"$1.b.log" 2>&1 &
  b=$!
  wait "$a" || { cat "$1.a.log" >&2; exit 1; }
  wait "$b" || { cat "$1.b.log" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "## Makespan (s)"
echo
echo "| rep | one run, 2 ranks | two shared runs, 1 rank each |"
echo "|---|---|---|"
: >"$work/one.txt"
: >"$work/two.txt"

for i in $(seq "$reps"); do
  if [ $((i % 2)) = 1 ]; then
    o=$(one_run "$work/one$i")
    t=$(two_shared "$work/two$i")
  else
    t=$(two_shared "$work/two$i")
    o=$(one_run "$work/one$i")
  fi
  echo "$o" >>"$work/one.txt"
  echo "$t" >>"$work/two.txt"
  printf '| %d | %.2f | %.2f |\n' "$i" "$o" "$t"
  rm -rf "$work/one$i" "$work/two$i"
done
mo=$(median <"$work/one.txt")

mt=$(median <"$work/two.txt")
printf '| median | %.2f | %.2f |\n\n' "$mo" "$mt"
printf 'two shared runs / one run = %.3f (target <= 1.05)\n\n' "$(echo "$mt / $mo" | bc -l)"
echo "- load average after the makespans: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The calls of one 1-rank run, traced: how many touch DIR/leases, by call.
echo "## Lease operations per pair (strace of a 1-rank run)"
echo
trace() {
  local dir=$1
  shift
  strace -f -qq -y -o "$dir.strace" "$bench" "$config" --checkpoint-dir "$dir" "${extra[@]}" "$@" \
    >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
}
trace "$work/traced-shared" --shared
trace "$work/traced-alone"
pairs=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['n_trials'] * len(m['algorithms']))" \
  "$work/traced-shared/metadata.json")
python3 - "$work/traced-shared.strace" "$work/traced-alone.strace" "$pairs" <<'EOF'
import collections, re, sys
def calls(path, only_leases):
    n = collections.Counter()
    for line in open(path, errors="replace"):
        m = re.match(r"\d+\s+(\w+)\(", line)
        if not m or "resumed>" in line:
            continue
        if only_leases and "/leases" not in line:
            continue
        n[m.group(1)] += 1
    return n
pairs = int(sys.argv[3])
leases = calls(sys.argv[1], True)
shared_all, alone_all = calls(sys.argv[1], False), calls(sys.argv[2], False)
total = sum(leases.values())
print(f"{pairs} pairs; calls on a path or descriptor under DIR/leases: {total} "
      f"= {total / pairs:.1f} per pair")
print()
print("| call | under DIR/leases | per pair |")
print("|---|---|---|")
for name, k in leases.most_common():
    print(f"| {name} | {k} | {k / pairs:.2f} |")
print()
d = sum(shared_all.values()) - sum(alone_all.values())
print(f"all system calls: shared {sum(shared_all.values())}, not shared {sum(alone_all.values())}: "
      f"{d:+d} = {d / pairs:+.1f} per pair")
EOF
echo
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
