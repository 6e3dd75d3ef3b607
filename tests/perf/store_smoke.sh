#!/usr/bin/env bash
# bench_store still measures what docs/performance.md says and prints what
# perf/summarize_store.py and perf/run_store_bench.sh read: a tiny run (no
# timing is asserted) must verify its loads, print every table and a verdict
# line per target, write a CSV row for every size and method, and the summary
# script must read that CSV; --profile and a bad option behave.
# Usage: store_smoke.sh BENCH_STORE SOURCE_DIR WORK
set -euo pipefail
bench=$1 src=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
out=$work/out.md csv=$work/run.csv

# has TEXT: the report holds TEXT (fixed string)
has() { grep -qF -- "$1" "$out" || { cat "$out" >&2; fail "the report lacks: $1"; }; }

echo "-- a run with the ancestor, 4 KiB and 8 KiB states"
"$bench" --dir "$work/tmp" --sizes 4K,8K --reps 2 --csv "$csv" \
  --ancestor "$src/perf/baselines/ancestor_baseline.py" >"$out" 2>"$work/err.txt" ||
  { cat "$work/err.txt" >&2; fail "bench_store exited $?"; }
for t in "## bench_store results" "### Durable saves (fsync), median (min) of N runs" \
  "### Saves without fsync (DCKPT_DURABILITY_NONE), median (min)" \
  "### Loads, median (min)" "### CPU only, in memory (no file system), median (min)" \
  "### File sizes (bytes; ratio = raw / file)" \
  "### Where a durable (FULL) save spends its time" \
  "### Where a non-durable (NONE) save spends its time" "### Targets" \
  "| 4 KiB | 4144 |" "| 8 KiB | 8240 |" "| ckpt.fsync |" "| rotate |"; do
  has "$t"
done
has "8 KiB: load ≥ 3× faster than the ancestor (warm cache)"
has "8 KiB: dckpt file ≥ 1.2× smaller than the ancestor's"
grep -Eq '^[0-9]+ PASS, [0-9]+ FAIL, 2 SKIP$' "$out" || { tail -3 "$out" >&2; fail "verdict count"; }
[ ! -e "$work/tmp" ] || fail "the scratch directory was left behind"

echo "-- the CSV: every method for both sizes"
for size in 4096 8192; do
  for m in dckpt_save_full write_fsync write_fsync_rename dckpt_save_none write_nofsync \
    dckpt_load_warm read_warm dckpt_encode dckpt_decode zstd1_noshuffle ancestor_save \
    ancestor_save_fsync ancestor_load_warm; do
    grep -Eq "^$size,$m,2,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9]+$" "$csv" ||
      fail "no CSV row for $size bytes, $m"
  done
  grep -q "^$size,phase_full:ckpt.fsync,2," "$csv" || fail "no FULL step rows for $size"
done
[ "$(head -1 "$csv")" = 'size_bytes,method,reps,median_s,min_s,median_mib_s,best_mib_s,file_bytes' ] ||
  fail "CSV header"

echo "-- perf/summarize_store.py reads it"
/usr/bin/python3 "$src/perf/summarize_store.py" "$csv" "$csv" >"$work/summary.md" ||
  fail "summarize_store.py failed"
grep -Eq '^\| 8 KiB warm load vs ancestor \(≥ 3×\) \| .* \| [0-2] of 2 \|$' "$work/summary.md" || { cat "$work/summary.md" >&2; fail "summary: the 8 KiB load target"; }
grep -q '^| 4 KiB | ' "$work/summary.md" || fail "summary: no 4 KiB row"

echo "-- --profile and bad options"
"$bench" --dir "$work/tmp" --sizes 4K --profile decode --seconds 0.2 >"$out" 2>/dev/null
grep -Eq '^decode 4 KiB: [0-9]+ ops in ' "$out" || fail "--profile output: $(cat "$out")"
set +e
"$bench" --sizes 1K >/dev/null 2>"$work/err.txt"
code=$?
set -e
[ "$code" = 1 ] || fail "--sizes 1K exited $code, wanted 1"
grep -q "1K is not a multiple of 1 KiB of at least 2 KiB" "$work/err.txt" || fail "--sizes message"
echo "store_smoke.sh: all passed"
