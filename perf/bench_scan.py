#!/usr/bin/python3
"""Scans and start-up of large campaigns: system calls and times.

For campaigns of 100 algorithms x T trials (default T = 100, 1000, 10000:
10^4, 10^5, 10^6 pairs) with --in-progress pairs in progress, measures

  * `dckpt status DIR` (and `--deep` when the build has it) and the Python
    marker scan (perf/baselines/status_scan_baseline.py): whole processes;
  * the resume of dckpt_run (perf/bench_run_scan --what run): from the call
    to the first pair handed out, and the whole call on the all-complete
    campaign;
  * with --startup, every rank's start-up (dckpt_run call -> first pair, and
    the whole call on an all-complete campaign) on 2 and 4 ranks with the
    background checkpoint writer on;

for one or two builds (--build NAME=DIR, e.g. before=build-base
after=build-rel), side by side. System calls are counted from one traced run
(strace -f, file-system calls only; each process's threads are attributed to
it through clone()); times are medians of --reps untraced runs (bench_run_scan
--json). Prints markdown tables (and the raw numbers as JSON with --raw FILE).

usage: perf/bench_scan.py --dir SCRATCH --build before=build-base \\
           --build after=build-rel [--trials 100,1000,10000] [--reps 5] [--startup]

The sizes are the knob: --trials 100 (10^4 pairs) takes a minute; 10000
(10^6 pairs, 3 million files, 12 GB of directories) about twenty, most of
it making the campaign (kept in SCRATCH and reused). `status --deep` reads
every pair's markers (5 calls per pair): it is traced and timed only up to
--deep-max pairs. CTest's perf.scan_smoke runs a tiny campaign.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys

META = {  # what counts as a metadata operation (the list and kin)
    "open", "openat", "openat2", "creat", "stat", "lstat", "fstat", "newfstatat",
    "statx", "access", "faccessat", "faccessat2", "getdents", "getdents64",
    "readlink", "readlinkat", "mkdir", "mkdirat", "unlink", "unlinkat", "rename",
    "renameat", "renameat2", "link", "linkat", "rmdir", "statfs", "fstatfs"}
TRACED = sorted(META | {"clone", "clone3", "fork", "vfork"})
LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?(\w+)[ (]")
MARK = re.compile(r'access\("/dckpt-mark/r(\d+)/([\w-]+)"')
CLONE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?(?:clone3?|v?fork)\b.*= (\d+)")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def trace(cmd, log, env=None):
    """Runs cmd under strace -f, file-system calls only."""
    sh(["strace", "-f", "-qq", "-y", "-o", log, "-e", "trace=" + ",".join(TRACED)] + cmd,
       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def count_all(log, d):
    """Metadata calls of every process in the log, by name; "in DIR" counts
    those whose path (or file descriptor's path, strace -y) lies in DIR."""
    c = collections.Counter()
    with open(log, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m and m.group(2) in META:
                c[m.group(2)] += 1
                if d in line:
                    c["in DIR"] += 1
    return c


def segments(log, d):
    """Per rank: list of (label, Counter) between its markers.

    A process's threads are attributed to it through clone(CLONE_THREAD); a
    child process is its own. A segment of
    rank r runs from its marker X-begin to the next marker of that rank."""
    leader = {}
    open_seg = {}  # leader -> (rank, label, Counter)
    out = collections.defaultdict(list)
    with open(log, errors="replace") as f:
        for line in f:
            m = CLONE.match(line)
            if m and m.group(2) != "0" and "CLONE_THREAD" in line:
                leader[int(m.group(2))] = leader.get(int(m.group(1)), int(m.group(1)))
            m = LINE.match(line)
            if not m:
                continue
            tid = int(m.group(1))
            pid = leader.get(tid, tid)
            mk = MARK.search(line)
            if mk:
                rank, label = int(mk.group(1)), mk.group(2)
                if pid in open_seg:
                    r, lab, c = open_seg.pop(pid)
                    out[r].append((lab, c))
                open_seg[pid] = (rank, label, collections.Counter())
                continue
            if m.group(2) in META and pid in open_seg:
                open_seg[pid][2][m.group(2)] += 1
                if d in line:
                    open_seg[pid][2]["in DIR"] += 1
    return out


def total(c):
    return sum(v for k, v in c.items() if k != "in DIR")


def summary(c):
    keys = ("openat", "newfstatat", "getdents64", "access", "unlinkat", "mkdir")
    return ", ".join(f"{k} {c[k]}" for k in keys if c[k]) or "-"


class Build:
    def __init__(self, name, path):
        self.name, self.path = name, os.path.abspath(path)
        self.bench = os.path.join(self.path, "perf", "bench_run_scan")
        self.dckpt = os.path.join(self.path, "apps", "dckpt", "dckpt")
        help_text = subprocess.run([self.dckpt, "status", "--help"], capture_output=True,
                                   text=True).stdout
        self.has_deep = "--deep" in help_text


def mpirun(np, cmd):
    return ["mpirun", "-np", str(np)] + cmd if np else cmd


def bench_args(b, args, d, trials, extra):
    return [b.bench, "--dir", d, "--algs", str(args.algs), "--trials", str(trials),
            "--in-progress", str(args.in_progress), "--not-started", "0",
            "--dckpt", b.dckpt, "--baseline", args.baseline, "--fast-create"] + extra


def deep_ok(b, args, trials):
    return b.has_deep and args.algs * trials <= args.deep_max


def timings(b, args, d, trials):
    what = "status,baseline,run" + (",deep" if deep_ok(b, args, trials) else "")
    out = sh(mpirun(1, bench_args(b, args, d, trials,
                                  ["--what", what, "--reps", str(args.reps), "--json"])),
             capture_output=True, text=True).stdout
    return [json.loads(l)["summary"] for l in out.splitlines() if '"summary"' in l][0]


def counts(b, args, d, trials, work):
    """One traced run of each command, the directory in its measured state."""
    sh(mpirun(1, bench_args(b, args, d, trials, ["--knock-only"])),
       stdout=subprocess.DEVNULL)
    res = {}
    cmds = {"status": [b.dckpt, "status", d],
            "baseline": ["/usr/bin/python3", args.baseline, d]}
    if deep_ok(b, args, trials):
        cmds["deep"] = [b.dckpt, "status", d, "--deep"]
    for name, cmd in cmds.items():
        log = os.path.join(work, f"{b.name}-{trials}-{name}.strace")
        trace(cmd, log)
        res[name] = count_all(log, d)
        os.unlink(log)
    log = os.path.join(work, f"{b.name}-{trials}-run.strace")
    trace(mpirun(1, bench_args(b, args, d, trials,
                               ["--what", "run", "--reps", "1", "--marks"])), log)
    seg = segments(log, d)[0]
    res["resume_first"] = [c for lab, c in seg if lab == "mostly-begin"][-1]
    res["resume_complete"] = [c for lab, c in seg if lab == "complete-begin"][-1]
    os.unlink(log)
    return res


def startup(b, args, d, trials, np, work):
    """Per rank: the resume to its first pair, and the all-complete call."""
    log = os.path.join(work, f"{b.name}-{trials}-np{np}.strace")
    trace(mpirun(np, bench_args(b, args, d, trials,
                                ["--what", "run", "--reps", "1", "--marks", "--step", "5"])),
          log)
    seg = segments(log, d)
    os.unlink(log)
    res = {}
    for rank, lst in sorted(seg.items()):
        first = [c for lab, c in lst if lab == "mostly-begin"][-1]
        whole = [c for lab, c in lst if lab == "complete-begin"][-1]
        res[rank] = (first, whole)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, help="scratch directory (large)")
    ap.add_argument("--build", action="append", required=True, help="NAME=BUILD_DIR")
    ap.add_argument("--algs", type=int, default=100)
    ap.add_argument("--trials", default="100,1000,10000")
    ap.add_argument("--in-progress", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--startup", action="store_true")
    ap.add_argument("--skip-times", action="store_true")
    ap.add_argument("--deep-max", type=int, default=100000,
                    help="trace and time `status --deep` up to this many pairs")
    ap.add_argument("--baseline", default="perf/baselines/status_scan_baseline.py")
    ap.add_argument("--raw", help="write every number as JSON here")
    args = ap.parse_args()
    args.baseline = os.path.abspath(args.baseline)
    builds = [Build(*x.split("=", 1)) for x in args.build]
    os.makedirs(args.dir, exist_ok=True)
    raw = {}
    for trials in [int(t) for t in args.trials.split(",")]:
        pairs = args.algs * trials
        d = os.path.join(args.dir, f"scan-{pairs}")
        for b in builds:
            # every build starts from the same directory, without an index
            shutil.rmtree(os.path.join(d, "index"), ignore_errors=True)
            r = raw.setdefault(f"{b.name}/{pairs}", {})
            # the timed runs first: their resumes write the completion index
            if not args.skip_times:
                r["times"] = timings(b, args, d, trials)
            else:
                sh(mpirun(1, bench_args(b, args, d, trials, ["--what", "run", "--reps", "1"])),
                   stdout=subprocess.DEVNULL)
            r["counts"] = {k: dict(v) for k, v in counts(b, args, d, trials, args.dir).items()}
            if args.startup and trials <= 1000:
                r["startup"] = {np: {rank: [dict(f), dict(w)] for rank, (f, w) in
                                     startup(b, args, d, trials, np, args.dir).items()}
                                for np in (2, 4)}
            print(json.dumps({f"{b.name}/{pairs}": r}), file=sys.stderr, flush=True)
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump(raw, f, indent=1)
    report(raw, builds, args)


def report(raw, builds, args):
    print("| pairs | build | `dckpt status`: metadata calls | time | `status --deep`: calls | "
          "time | resume to first pair: calls (rank 0) | time | all-complete resume: calls | "
          "time | Python scan: calls | time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, r in raw.items():
        b, pairs = key.split("/")
        c, t = r["counts"], r.get("times", {})
        def cell(name, tkey):
            if name not in c:
                return "—", "—"
            return f"{total(c[name]):,}", f"{t[tkey]:.3f} s" if tkey in t else "—"
        s, st = cell("status", "status_s")
        dp, dt = cell("deep", "deep_s")
        f1, ft = cell("resume_first", "run_first_pair_s")
        f2, f2t = cell("resume_complete", "run_complete_s")
        p, pt = cell("baseline", "baseline_s")
        print(f"| {int(pairs):,} | {b} | {s} | {st} | {dp} | {dt} | {f1} | {ft} | {f2} | "
              f"{f2t} | {p} | {pt} |")
    if not any("startup" in r for r in raw.values()):
        return
    print()
    print("| pairs | build | ranks | rank | dckpt_run call to its first pair (metadata calls) "
          "| all-complete call |")
    print("|---|---|---|---|---|---|")
    for key, r in raw.items():
        b, pairs = key.split("/")
        for np, ranks in r.get("startup", {}).items():
            for rank, (first, whole) in ranks.items():
                first, whole = collections.Counter(first), collections.Counter(whole)
                print(f"| {int(pairs):,} | {b} | {np} | {rank} | {first['in DIR']} in DIR, "
                      f"{total(first)} in all ({summary(first)}) | {whole['in DIR']} in DIR, "
                      f"{total(whole)} in all |")


if __name__ == "__main__":
    main()
