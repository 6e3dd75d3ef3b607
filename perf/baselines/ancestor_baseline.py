#!/usr/bin/python3
"""Save/load timing of the Python ancestor's checkpoint path, as a baseline for dckpt.

The ancestor (decent-bench's CheckpointManager) saves a checkpoint like this:
pickle a dict {algorithm, network, iteration, rng_state} with the highest pickle
protocol straight into a zstandard level-1 stream writer wrapped around the open
file, then write progress.json with json.dump, then delete all but the newest N
checkpoint files found by glob. It loads by reading progress.json, opening the
named checkpoint, checking the first four bytes for the zstd magic, and
unpickling from a zstandard stream reader. This script re-implements that path
(it does not import decent-bench) on numpy state of a given size so that
bench_store (perf/store/) can time both side by side on the same disk.

By default, like the ancestor, nothing is fsynced. With --fsync on, the
checkpoint and progress.json are fsynced and so is the directory after each of
them and after clean-up: a fair durable variant to set against dckpt's
DCKPT_DURABILITY_FULL. --fsync both measures both variants.

The state matches bench_store's: n = size/8 float64 values
x_i = sin(i * 1e-3) + 1e-3 * N(0, 1) (numpy default_rng(seed), so the noise is
not bit-identical with the C generator, only identically distributed), split
into "algorithm" and "network" arrays of shape 64 x dim, plus the numpy
bit-generator state as rng_state.

Timed: the save call (or the load call) only, wall clock, each after an
untimed os.sync(); state generation and interpreter start-up are not timed.

Output (--format): csv (impl,size_bytes,measure,reps,median_s,min_s,file_bytes),
json, or a markdown table (default).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pickle
import re
import shutil
import statistics
import sys
import time

import numpy as np
import zstandard

ZSTD_MAGIC = (int(zstandard.MAGIC_NUMBER) & 0xFFFFFFFF).to_bytes(4, "little")
AGENTS = 64
LARGE = 256 << 20
CKPT_RE = re.compile(r"checkpoint_(\d+)\.pkl(?:\.zst)?$")


# --------------------------------------------------------------------------- state


def make_state(size_bytes: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    n = size_bytes // 8
    gen = np.random.default_rng(seed)
    x = np.sin(np.arange(n, dtype=np.float64) * 1e-3) + 1e-3 * gen.standard_normal(n)
    half = n // 2
    algorithm = np.ascontiguousarray(x[:half].reshape(AGENTS, -1))
    network = np.ascontiguousarray(x[half : 2 * half].reshape(AGENTS, -1))
    rng_state = {"numpy": gen.bit_generator.state}
    return algorithm, network, rng_state


# --------------------------------------------------------------------------- save / load


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ckpt_iteration(path: str) -> int:
    m = CKPT_RE.search(os.path.basename(path))
    if m is None:
        raise ValueError(f"not a checkpoint file name: {path}")
    return int(m.group(1))


def remove_old(trial_dir: str, keep_n: int) -> int:
    """Keep-N clean-up: glob both extensions, newest first, unlink the rest."""
    files = glob.glob(os.path.join(trial_dir, "checkpoint_*.pkl"))
    files += glob.glob(os.path.join(trial_dir, "checkpoint_*.pkl.zst"))
    files.sort(key=ckpt_iteration, reverse=True)
    removed = 0
    for old in files[keep_n:]:
        try:
            os.unlink(old)
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def save(trial_dir: str, iteration: int, algorithm, network, rng_state,
         level: int = 1, keep_n: int = 2, durable: bool = False) -> str:
    ckpt = os.path.join(trial_dir, f"checkpoint_{iteration:07d}.pkl.zst")
    progress = os.path.join(trial_dir, "progress.json")
    # The ancestor skips a save that progress.json already records.
    if os.path.exists(ckpt) and os.path.exists(progress):
        with open(progress, encoding="utf-8") as f:
            if json.load(f).get("last_completed_iteration", -1) == iteration:
                return ckpt
    payload = {"algorithm": algorithm, "network": network,
               "iteration": iteration, "rng_state": rng_state}
    cctx = zstandard.ZstdCompressor(level=level)
    if durable:
        with open(ckpt, "wb") as f:
            with cctx.stream_writer(f, closefd=False) as zw:
                pickle.dump(payload, zw, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        fsync_dir(trial_dir)
    else:
        with open(ckpt, "wb") as f, cctx.stream_writer(f) as zw:
            pickle.dump(payload, zw, protocol=pickle.HIGHEST_PROTOCOL)
    with open(progress, "w", encoding="utf-8") as f:
        json.dump({"last_completed_iteration": iteration}, f)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    if durable:
        fsync_dir(trial_dir)
    if remove_old(trial_dir, keep_n) and durable:
        fsync_dir(trial_dir)
    return ckpt


def load(trial_dir: str):
    progress = os.path.join(trial_dir, "progress.json")
    if not os.path.exists(progress):
        return None
    with open(progress, encoding="utf-8") as f:
        last = json.load(f)["last_completed_iteration"]
    ckpt = os.path.join(trial_dir, f"checkpoint_{last:07d}.pkl.zst")
    if not os.path.exists(ckpt):
        legacy = os.path.join(trial_dir, f"checkpoint_{last:07d}.pkl")
        if os.path.exists(legacy):
            ckpt = legacy
    with open(ckpt, "rb") as f:
        head = f.read(len(ZSTD_MAGIC))
        f.seek(0)
        if head == ZSTD_MAGIC:
            with zstandard.ZstdDecompressor().stream_reader(f) as zr:
                data = pickle.load(zr)  # noqa: S301 - this is the ancestor's (unsafe) path
        else:
            data = pickle.load(f)  # noqa: S301
    return data["algorithm"], data["network"], last, data["rng_state"]


# --------------------------------------------------------------------------- benchmark


def drop_caches() -> bool:
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+)\s*([KMG]?)(?:i?B)?", text.strip(), re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size (e.g. 65536, 64K, 16M)")
    value = int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]
    if value < 2048 or value % 1024:
        raise argparse.ArgumentTypeError(f"{text}: sizes must be multiples of 1 KiB, >= 2 KiB")
    return value


def parse_sizes(text: str) -> list[int]:
    return [parse_size(t) for t in text.split(",") if t.strip()]


def fmt_size(b: int) -> str:
    if b % (1 << 20) == 0:
        return f"{b >> 20} MiB"
    return f"{b >> 10} KiB"


def bench_size(root: str, size: int, reps: int, seed: int, variants: list[bool],
               cold: bool) -> tuple[list[dict], int]:
    algorithm, network, rng_state = make_state(size, seed)
    rows = []
    file_bytes = 0
    for durable in variants:
        trial_dir = os.path.join(root, f"{'fsync' if durable else 'nofsync'}_{size}",
                                 "algorithm_0", "trial_0")
        os.makedirs(trial_dir, exist_ok=True)
        it = 0
        save(trial_dir, it, algorithm, network, rng_state, durable=durable)  # warm-up
        it += 1
        times = []
        for _ in range(reps):
            os.sync()
            t0 = time.perf_counter()
            path = save(trial_dir, it, algorithm, network, rng_state, durable=durable)
            times.append(time.perf_counter() - t0)
            it += 1
        file_bytes = os.path.getsize(path)
        rows.append(dict(measure="save_fsync" if durable else "save", times=times,
                         file_bytes=file_bytes))
        if durable and len(variants) > 1:
            continue  # loads are measured once, on the no-fsync copy
        got = load(trial_dir)
        if (got is None or got[2] != it - 1 or not np.array_equal(got[0], algorithm)
                or not np.array_equal(got[1], network) or got[3] != rng_state):
            raise SystemExit(f"ancestor_baseline: {trial_dir}: loaded state differs")
        del got
        warm, cold_t = [], []
        for _ in range(reps):  # warm first: a drop_caches would make the next one cold
            t0 = time.perf_counter()
            got = load(trial_dir)
            warm.append(time.perf_counter() - t0)
            del got
        for _ in range(reps if cold else 0):
            drop_caches()
            t0 = time.perf_counter()
            got = load(trial_dir)
            cold_t.append(time.perf_counter() - t0)
            del got
        rows.append(dict(measure="load_warm", times=warm, file_bytes=0))
        if cold:
            rows.append(dict(measure="load_cold", times=cold_t, file_bytes=0))
    for r in rows:
        r["size_bytes"] = size
        r["reps"] = len(r["times"])
        r["median_s"] = statistics.median(r["times"])
        r["min_s"] = min(r["times"])
    return rows, file_bytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Time the Python ancestor's checkpoint save/load path "
                    "(pickle + zstd level 1 stream, progress.json, keep-N clean-up).")
    ap.add_argument("--dir", default="./bench-tmp",
                    help="directory on the disk under test (default ./bench-tmp); the files "
                         "go to a subdirectory ancestor_baseline.<pid>, removed at the end")
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes("64K,1M,16M,64M,256M"),
                    help="comma-separated state sizes in bytes or with K/M/G suffix "
                         "(default 64K,1M,16M,64M,256M)")
    ap.add_argument("--reps", type=int, default=7, help="repetitions per measurement (default 7)")
    ap.add_argument("--reps-large", type=int, default=3,
                    help="repetitions for sizes >= 256 MiB (default 3)")
    ap.add_argument("--fsync", nargs="?", const="on", default="off", choices=["off", "on", "both"],
                    help="fsync file and directory (off by default; bare --fsync = on)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="also time cold loads after writing 3 to /proc/sys/vm/drop_caches")
    ap.add_argument("--seed", type=int, default=12345, help="state generator seed (default 12345)")
    ap.add_argument("--format", choices=["table", "csv", "json"], default="table")
    ap.add_argument("--keep", action="store_true", help="keep the files written")
    args = ap.parse_args(argv)
    if args.reps < 1 or args.reps_large < 1:
        ap.error("--reps and --reps-large must be >= 1")

    variants = {"off": [False], "on": [True], "both": [False, True]}[args.fsync]
    cold = args.drop_caches and drop_caches()
    if args.drop_caches and not cold:
        print("ancestor_baseline: cannot write /proc/sys/vm/drop_caches; cold loads skipped",
              file=sys.stderr)

    made_dir = not os.path.isdir(args.dir)
    os.makedirs(args.dir, exist_ok=True)
    work = os.path.join(args.dir, f"ancestor_baseline.{os.getpid()}")
    os.mkdir(work)
    rows = []
    try:
        for i, size in enumerate(args.sizes):
            reps = min(args.reps, args.reps_large) if size >= LARGE else args.reps
            print(f"ancestor_baseline: {fmt_size(size)} state, {reps} reps ...", file=sys.stderr)
            got, _ = bench_size(work, size, reps, args.seed + i, variants, cold)
            rows += got
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            if made_dir:
                try:
                    os.rmdir(args.dir)
                except OSError:
                    pass

    if args.format == "csv":
        print("impl,size_bytes,measure,reps,median_s,min_s,file_bytes")
        for r in rows:
            print(f"ancestor,{r['size_bytes']},{r['measure']},{r['reps']},"
                  f"{r['median_s']:.9f},{r['min_s']:.9f},{r['file_bytes']}")
    elif args.format == "json":
        for r in rows:
            r.pop("times")
        json.dump({"impl": "ancestor", "python": sys.version.split()[0],
                   "numpy": np.__version__, "zstandard": zstandard.__version__,
                   "results": rows}, sys.stdout, indent=1)
        print()
    else:
        print("| state | measure | N | median ms | min ms | MiB/s (median) | file bytes |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {fmt_size(r['size_bytes'])} | {r['measure']} | {r['reps']} | "
                  f"{r['median_s'] * 1e3:.2f} | {r['min_s'] * 1e3:.2f} | "
                  f"{r['size_bytes'] / (1 << 20) / r['median_s']:.0f} | "
                  f"{r['file_bytes'] or ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
