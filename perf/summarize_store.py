#!/usr/bin/python3
"""Summarises several bench_store runs (their --csv files) target by target.

Each run already reports the median of its repetitions; this prints, per
target, the median over the runs of the quantity the target is about, its
range, and in how many runs the target was met. It also prints the median
over the runs of every save and load time, as a markdown table.

    perf/summarize_store.py run1.csv run2.csv ...
"""

import argparse
import csv
import statistics
import sys

KIB, MIB = 1024, 1024 * 1024


def label(size):
    return f"{size // MIB} MiB" if size >= MIB else f"{size // KIB} KiB"


def load(path):
    """{(size, method): (median_s, file_bytes)} of one run."""
    out = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                out[(int(row["size_bytes"]), row["method"])] = (
                    float(row["median_s"]),
                    int(row["file_bytes"] or 0),
                )
            except (KeyError, ValueError) as e:
                sys.exit(f"{path}: malformed row {row}: {e}")
    return out


def targets(sizes):
    """(name, function of one run -> value or None, threshold, higher is better)."""

    def ratio(size, num, den):
        def f(run):
            if (size, num) not in run or (size, den) not in run:
                return None
            return run[(size, num)][0] / run[(size, den)][0]

        return f

    def file_ratio(size, big):
        def f(run):
            if (size, big) not in run or (size, "dckpt_save_full") not in run:
                return None
            return run[(size, big)][1] / run[(size, "dckpt_save_full")][1]

        return f

    t = [
        ("64 MiB durable save, throughput vs write+fsync (≥ 0.8×)",
         ratio(64 * MIB, "write_fsync", "dckpt_save_full"), 0.8, True),
        ("64 KiB durable save, ms (≤ 3 ms)",
         lambda run: run[(64 * KIB, "dckpt_save_full")][0] * 1e3
         if (64 * KIB, "dckpt_save_full") in run else None, 3.0, False),
        ("64 KiB save vs ancestor, no fsync (≥ 3×)",
         ratio(64 * KIB, "ancestor_save", "dckpt_save_none"), 3.0, True),
        ("64 MiB save vs ancestor, no fsync (≥ 1.5×)",
         ratio(64 * MIB, "ancestor_save", "dckpt_save_none"), 1.5, True),
    ]
    for s in sizes:
        t.append((f"{label(s)} warm load vs ancestor (≥ 3×)",
                  ratio(s, "ancestor_load_warm", "dckpt_load_warm"), 3.0, True))
    for s in sizes:
        t.append((f"{label(s)} file vs raw (≥ 1.25×)",
                  file_ratio(s, "write_fsync"), 1.25, True))
    for s in sizes:
        t.append((f"{label(s)} file vs ancestor (≥ 1.2×)",
                  file_ratio(s, "ancestor_save"), 1.2, True))
    return t


def fmt(x):
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", nargs="+", help="bench_store --csv files, one per run")
    a = ap.parse_args()
    runs = [load(p) for p in a.csv]
    sizes = sorted({s for run in runs for (s, _) in run})

    print(f"### Targets over {len(runs)} runs\n")
    print("| target | median of the runs | range | met in |")
    print("|---|---|---|---|")
    for name, f, thr, higher in targets(sizes):
        vals = [v for v in (f(run) for run in runs) if v is not None]
        if not vals:
            continue
        met = sum(1 for v in vals if (v >= thr if higher else v <= thr))
        unit = " ms" if "ms" in name else "×"
        print(f"| {name} | {fmt(statistics.median(vals))}{unit} | "
              f"{fmt(min(vals))}–{fmt(max(vals))}{unit} | {met} of {len(vals)} |")

    methods = [
        ("dckpt_save_full", "dckpt save FULL"), ("write_fsync", "write+fsync"),
        ("dckpt_save_none", "dckpt save NONE"), ("ancestor_save", "ancestor save"),
        ("dckpt_load_warm", "dckpt load warm"), ("read_warm", "read() raw warm"),
        ("ancestor_load_warm", "ancestor load warm"),
        ("dckpt_load_cold", "dckpt load cold"), ("ancestor_load_cold", "ancestor load cold"),
    ]
    present = [(m, n) for m, n in methods if any((s, m) in run for run in runs for s in sizes)]
    print(f"\n### Median over {len(runs)} runs of each run's median, ms\n")
    print("| state | " + " | ".join(n for _, n in present) + " |")
    print("|---|" + "---|" * len(present))
    for s in sizes:
        cells = []
        for m, _ in present:
            vals = [run[(s, m)][0] * 1e3 for run in runs if (s, m) in run]
            cells.append(fmt(statistics.median(vals)) if vals else "—")
        print(f"| {label(s)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
