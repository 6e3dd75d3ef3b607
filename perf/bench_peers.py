#!/usr/bin/python3
"""The Python side of perf/bench_peers.c: how long the formats a Python user
would pick instead of dckpt take to save and load one solver state.

The C program writes the state (two float64 arrays, raw little-endian, one
after the other) to --data and runs this script once per round and size;
both sides then time the very same numbers on the same disk in one run.

Peers (--peers, comma-separated; default all that import):
  npz             numpy.savez (zip, stored)
  npz_deflate     numpy.savez_compressed (zip, deflate; not in the default list)
  h5py            h5py, contiguous datasets, no filter
  h5py_gzip       h5py, chunks=True, shuffle + gzip level 1
  h5py_zstd       h5py, chunks=True, shuffle + zstd level 1 through dckpt's
                  HDF5 plugin (filter 32015; HDF5_PLUGIN_PATH must name the
                  build's hdf5-plugins directory, set before h5py loads)
  zarr            zarr 2 defaults (DirectoryStore, Blosc lz4 level 5, shuffle)
  zarr_zstd       zarr 2, Blosc zstd level 1, byte shuffle

Timed with time.perf_counter, each call after an untimed os.sync():
  save        the save call, over the previous file (as a user overwriting
              its checkpoint would), nothing fsynced;
  save_fsync  the save call into a new file, then fsync of every file
              written and of the directories that name them (zarr's
              directory store has several): what it takes for a new state to
              survive a power loss while the previous one stays intact until
              then, which is dckpt's guarantee (the previous file is removed
              after the timed call);
  inplace_fsync  the save call over the previous file, then fsync of what it
              wrote: one device flush less, but a crash in between can leave
              neither the old state nor the new one (reported, not a target);
  load        opening the file and reading both arrays into new numpy
              arrays (npz and zarr load lazily: the arrays are taken out).
Output, one line each: "time PEER OP SECONDS" per repetition, then
"bytes PEER N" (bytes on disk after a save), or "skip PEER REASON".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

import numpy as np

ALL_PEERS = ["npz", "h5py", "h5py_gzip", "h5py_zstd", "zarr", "zarr_zstd"]
H5ZSTD = 32015


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_path(path: str) -> None:
    """fsync a file, or every file and directory under a directory."""
    if os.path.isdir(path):
        for root, _dirs, files in os.walk(path):
            for name in files:
                fsync_path(os.path.join(root, name))
            fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(fd)
            os.close(fd)
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_bytes(path: str) -> int:
    if not os.path.isdir(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(root, f)) for root, _d, files in os.walk(path) for f in files
    )


# --------------------------------------------------------------------------- peers


def npz_ops(deflate: bool):
    save = np.savez_compressed if deflate else np.savez

    def do_save(path, a, b):
        with open(path, "wb") as f:
            save(f, algorithm=a, network=b)

    def do_load(path):
        with np.load(path) as z:
            return z["algorithm"], z["network"]

    return ".npz", do_save, do_load


def h5py_ops(kind: str):
    import h5py

    if kind == "h5py_zstd" and not h5py.h5z.filter_avail(H5ZSTD):
        raise RuntimeError("filter 32015 not available: HDF5_PLUGIN_PATH must name dckpt's plugin dir")
    opts = {
        "h5py": {},
        "h5py_gzip": {"chunks": True, "shuffle": True, "compression": "gzip", "compression_opts": 1},
        "h5py_zstd": {"chunks": True, "shuffle": True, "compression": H5ZSTD, "compression_opts": (1,)},
    }[kind]

    def do_save(path, a, b):
        with h5py.File(path, "w") as f:
            f.create_dataset("algorithm", data=a, **opts)
            f.create_dataset("network", data=b, **opts)

    def do_load(path):
        with h5py.File(path, "r") as f:
            return f["algorithm"][()], f["network"][()]

    return ".h5", do_save, do_load


def zarr_ops(kind: str):
    import zarr
    from numcodecs import Blosc

    extra = {}
    if kind == "zarr_zstd":
        extra["compressor"] = Blosc(cname="zstd", clevel=1, shuffle=Blosc.SHUFFLE)

    def do_save(path, a, b):
        g = zarr.open_group(path, mode="w")
        g.create_dataset("algorithm", data=a, **extra)
        g.create_dataset("network", data=b, **extra)

    def do_load(path):
        g = zarr.open_group(path, mode="r")
        return g["algorithm"][:], g["network"][:]

    return ".zarr", do_save, do_load


def make_peer(name: str):
    if name in ("npz", "npz_deflate"):
        return npz_ops(name == "npz_deflate")
    if name.startswith("h5py"):
        return h5py_ops(name)
    if name.startswith("zarr"):
        return zarr_ops(name)
    raise ValueError(f"unknown peer '{name}' (known: {', '.join(ALL_PEERS)})")


def remove(path: str) -> None:
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.unlink(path)


# --------------------------------------------------------------------------- timing


def timed(fn, *args):
    os.sync()
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def run(args) -> None:
    raw = np.fromfile(args.data, dtype="<f8")
    half = raw.size // 2
    a = np.ascontiguousarray(raw[:half].reshape(args.rows, -1))
    b = np.ascontiguousarray(raw[half:].reshape(args.rows, -1))
    del raw
    peers = []
    for name in args.peers.split(","):
        try:
            peers.append((name, *make_peer(name)))
        except (ImportError, RuntimeError) as e:
            print(f"skip {name} {e}".replace("\n", " "), flush=True)
    paths = {name: os.path.join(args.dir, "peer_" + name + ext) for name, ext, _s, _l in peers}
    for name, _ext, save, load in peers:  # untimed warm-up of each code path
        save(paths[name], a, b)
        load(paths[name])
    for _rep in range(args.reps):
        # The peers take turns within each repetition, so that slow drifts of
        # the machine hit all of them alike.
        for name, _ext, save, load in peers:
            p = paths[name]
            t, _ = timed(save, p, a, b)
            print(f"time {name} save {t:.9f}")
            t, _ = timed(lambda: (save(p, a, b), fsync_path(p)))
            print(f"time {name} inplace_fsync {t:.9f}")
            fresh = p + ".new"
            t, _ = timed(lambda: (save(fresh, a, b), fsync_path(fresh), fsync_dir(args.dir)))
            print(f"time {name} save_fsync {t:.9f}")
            remove(fresh)
            t, arrays = timed(load, p)
            if not (np.array_equal(arrays[0], a) and np.array_equal(arrays[1], b)):
                sys.exit(f"bench_peers.py: {name} read back different numbers")
            del arrays
            print(f"time {name} load {t:.9f}")
    for name, *_ in peers:
        print(f"bytes {name} {disk_bytes(paths[name])}")
        remove(paths[name])
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="raw little-endian float64: both arrays, one after the other")
    ap.add_argument("--rows", type=int, default=64, help="rows of each array (default 64)")
    ap.add_argument("--dir", required=True, help="scratch directory for the peers' files")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--peers", default=",".join(ALL_PEERS))
    run(ap.parse_args())


if __name__ == "__main__":
    main()
