#!/usr/bin/python3
"""Plain-Python baseline for the completion scan of a dckpt run directory.

Reads DIR/metadata.json for the number of algorithms and trials, then checks
os.path.exists() on DIR/algorithm_<a>/trial_<t>/complete.json for every pair:
the least a status tool or a resume must do to know which pairs are done.
perf/bench_run_scan.c times this script (the whole process, interpreter
start-up included) side by side with `dckpt status DIR` and the resume scan
of dckpt_run; the script also reports its own scan time (after start-up).

Output: one JSON object on stdout:
  {"pairs": N, "complete": C, "scan_s": seconds from reading metadata.json to
   the end of the loop}
"""
import argparse
import json
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="a dckpt run directory (holds metadata.json)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    try:
        with open(os.path.join(args.dir, "metadata.json"), encoding="utf-8") as f:
            meta = json.load(f)
        n_algs = len(meta["algorithms"])
        n_trials = int(meta["n_trials"])
    except (OSError, ValueError, KeyError) as e:
        print(f"status_scan_baseline.py: {args.dir}: {e}", file=sys.stderr)
        return 1
    complete = 0
    join, exists = os.path.join, os.path.exists
    for a in range(n_algs):
        alg_dir = join(args.dir, f"algorithm_{a}")
        for t in range(n_trials):
            if exists(join(alg_dir, f"trial_{t}", "complete.json")):
                complete += 1
    elapsed = time.perf_counter() - t0
    print(json.dumps({"pairs": n_algs * n_trials, "complete": complete, "scan_s": elapsed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
