#!/usr/bin/env bash
# perf/bench_scan.py (docs/performance.md, "Scale") still measures what the
# docs say, on a tiny campaign: 3 algorithms x DCKPT_PERF_SCAN_TRIALS trials
# (default 4; the knob for the big sizes, e.g. DCKPT_PERF_SCAN_TRIALS=1000 for
# 10^5 pairs with --algs 100 in the docs' command). No time is asserted: every
# command must have been traced and timed, the Python scan must stat every
# pair, and the status and resume must read fewer files than there are pairs
# once the campaign is larger than the fixed costs.
# Usage: scan_smoke.sh SOURCE_DIR BUILD_DIR WORK
set -euo pipefail
src=$1 build=$2 work=$3
trials=${DCKPT_PERF_SCAN_TRIALS:-4}
algs=${DCKPT_PERF_SCAN_ALGS:-3}
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
python3 "$src/perf/bench_scan.py" --dir "$work/scan" --build "after=$build" \
  --algs "$algs" --trials "$trials" --in-progress 2 --reps 1 \
  --baseline "$src/perf/baselines/status_scan_baseline.py" --raw "$work/raw.json" \
  >"$work/out.md" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; fail "bench_scan.py exited"; }
cat "$work/out.md"
pairs=$((algs * trials))
row=$(python3 -c "print(f'{$pairs:,}')")
grep -qF "| $row | after | " "$work/out.md" || fail "no table row for $pairs pairs"
python3 - "$work/raw.json" "$pairs" <<'PY'
import json, sys
raw, pairs = json.load(open(sys.argv[1])), int(sys.argv[2])
r = raw[f"after/{pairs}"]
def calls(name):
    return sum(v for k, v in r["counts"][name].items() if k != "in DIR")
for name in ("status", "deep", "baseline", "resume_first", "resume_complete"):
    if calls(name) <= 0:
        sys.exit(f"FAIL: no metadata call counted for {name}: {r['counts'][name]}")
for key in ("status_s", "deep_s", "baseline_s", "run_first_pair_s", "run_complete_s"):
    if not r["times"].get(key, 0) > 0:
        sys.exit(f"FAIL: no time for {key}: {r['times']}")
# the ancestor's scan stats every pair's complete.json
if r["counts"]["baseline"].get("in DIR", 0) < pairs:
    sys.exit(f"FAIL: the Python scan made {r['counts']['baseline']} calls for {pairs} pairs")
# beyond the fixed costs (~400 calls), the index makes status O(algorithms)
if pairs >= 5000 and not calls("status") < pairs / 5 < calls("deep"):
    sys.exit(f"FAIL: status {calls('status')} / deep {calls('deep')} calls for {pairs} pairs")
print(f"ok: {pairs} pairs: status {calls('status')}, deep {calls('deep')}, "
      f"resume {calls('resume_first')} calls; Python scan {calls('baseline')}")
PY
