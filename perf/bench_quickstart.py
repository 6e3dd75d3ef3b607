#!/usr/bin/python3
"""What periodic checkpoints cost the quickstart campaign, whole process.

Runs `mpirun -np RANKS dckpt-bench apps/bench/configs/quickstart.json` (durable,
as shipped) under several checkpoint settings, alternated run by run, each
into a fresh campaign directory, and times the whole process (mpirun start to
exit: start-up, the campaign, tables and plots) with time.perf_counter. The
reference is the same campaign without periodic checkpoints
(--checkpoint-step none --checkpoint-interval 0: only each trial's final
checkpoint). Prints a markdown table: median, min-max, the median's overhead
against the reference, and the median over rounds of each round's ratio.

Variants (--variants, comma-separated):
  shipped     the config as shipped
  none        no periodic checkpoints (the reference; always run)
  stepN       --checkpoint-step N --checkpoint-interval 0
  intervalS   --checkpoint-step none --checkpoint-interval S
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def variant_flags(name):
    if name == "shipped":
        return []
    if name == "none":
        return ["--checkpoint-step", "none", "--checkpoint-interval", "0"]
    if name.startswith("step"):
        return ["--checkpoint-step", name[4:], "--checkpoint-interval", "0"]
    if name.startswith("interval"):
        return ["--checkpoint-step", "none", "--checkpoint-interval", name[8:]]
    sys.exit(f"bench_quickstart.py: unknown variant '{name}'")


def run_once(args, name, env):
    workdir = os.path.join(args.dir, name)
    shutil.rmtree(workdir, ignore_errors=True)
    cmd = ["mpirun", "-np", str(args.ranks), args.bench, args.config,
           "--checkpoint-dir", workdir, "--quiet", "--no-progress", *variant_flags(name)]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    shutil.rmtree(workdir, ignore_errors=True)
    return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--config", default=os.path.join(ROOT, "apps/bench/configs/quickstart.json"))
    ap.add_argument("--dir", default=None, help="scratch directory (default BUILD/bench-quickstart)")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7, help="alternated rounds (default 7)")
    ap.add_argument("--variants", default="shipped,step250,step100")
    args = ap.parse_args()
    args.bench = os.path.join(args.build_dir, "apps/bench/dckpt-bench")
    args.dir = args.dir or os.path.join(args.build_dir, "bench-quickstart")
    os.makedirs(args.dir, exist_ok=True)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    names = ["none"] + [v for v in args.variants.split(",") if v and v != "none"]
    times = {n: [] for n in names}
    run_once(args, "none", env)  # warm-up: page cache, data set, plots' fonts
    for r in range(args.rounds):
        # alternated: the order rotates every round
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            times[n].append(run_once(args, n, env))
            print(f"round {r + 1}: {n} {times[n][-1]:.3f} s", file=sys.stderr, flush=True)
    ref = statistics.median(times["none"])
    print(f"| checkpoints ({args.ranks} ranks, durable) | wall time, median (min–max) | "
          "overhead of the median | median of the rounds' ratios |")
    print("|---|---|---|---|")
    for n in names:
        t = times[n]
        med = statistics.median(t)
        ratios = statistics.median(x / y for x, y in zip(t, times["none"]))
        flags = " ".join(variant_flags(n)) or "as shipped"
        print(f"| {n} (`{flags}`) | {med:.2f} s ({min(t):.2f}–{max(t):.2f}) | "
              f"{100 * (med / ref - 1):+.1f} % | {100 * (ratios - 1):+.1f} % |")


if __name__ == "__main__":
    main()
