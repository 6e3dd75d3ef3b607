#!/usr/bin/python3
"""Read a dckpt container (dckpt pack) with h5py and numpy only.

    HDF5_PLUGIN_PATH=/usr/local/lib/dckpt/hdf5-plugins \\
        /usr/bin/python3 examples/read_container.py run.h5 [ALG TRIAL]

prints the newest checkpoint of trial TRIAL of algorithm ALG (default 0 0),
array by array, then the result table: the final state of every complete
trial, stacked per algorithm into numpy arrays. The functions below are the
whole reader (docs/container.md describes the layout they follow):

    index(f)                    -> the index tables as numpy arrays
    load_record(f, path)        -> (header dict, {name: numpy array})
    parse_header(raw)           -> (header dict, bytes after its object)
    trial_files(f, alg, trial)  -> the paths of a trial's files
    trial_state(f, alg, trial)  -> (path, header, arrays) of its newest checkpoint
    result_table(f)             -> {algorithm name: {array name: stacked array}}

Every array is checked against its XXH3-64 checksum (of its name, then its
elements) when libxxhash is present (it is wherever dckpt is installed).
"""
import ctypes
import ctypes.util
import json
import sys
import warnings

import h5py
import numpy as np

POOLS = {1: "data/f64", 2: "data/f32", 3: "data/i64", 4: "data/u64", 5: "data/bytes"}
DTYPES = {1: "<f8", 2: "<f4", 3: "<i8", 4: "<u8", 5: "u1"}
KINDS = {1: "metadata", 2: "problem", 3: "initial", 4: "metrics", 5: "metrics_marker",
         6: "checkpoint", 7: "progress", 8: "complete", 9: "other", 10: "segment"}


def _xxh3():
    name = ctypes.util.find_library("xxhash") or "libxxhash.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return lambda b: lib.XXH3_64bits(b, len(b))


XXH3 = _xxh3()


class Container:
    """An open container: the file, its column names and its index."""

    def __init__(self, path):
        self.f = h5py.File(path, "r")
        if self.f.attrs.get("dckpt_container") != b"dckpt container" and \
                self.f.attrs.get("dckpt_container") != "dckpt container":
            raise ValueError(f"{path} is not a dckpt container")
        # 2 added segments, 3 files in subdirectories of results/
        if int(self.f.attrs["format_version"]) not in (1, 2, 3):
            raise ValueError(f"{path}: container format {self.f.attrs['format_version']}")
        self.n_algorithms = int(self.f.attrs["n_algorithms"])
        self.n_trials = int(self.f.attrs["n_trials"])
        self.n_root = int(self.f.attrs["n_root_files"])
        self.cols = {}
        for table in ("files", "arrays", "trials"):
            names = self.f["index/" + table].attrs["columns"]
            names = names.decode() if isinstance(names, bytes) else names
            self.cols[table] = {n: i for i, n in enumerate(names.split(","))}
        self.text = self.f["data/text"]

    def text_at(self, off, length):
        return self.text[int(off):int(off) + int(length)].tobytes()

    def col(self, table, row, name):
        return int(row[self.cols[table][name]])

    def signed(self, table, row, name):
        return int(np.int64(np.uint64(row[self.cols[table][name]])))


def index(c):
    """The three index tables (u64 numpy arrays) and every file's path."""
    files = c.f["index/files"][...]
    paths = [c.text_at(r[c.cols["files"]["path_off"]], r[c.cols["files"]["path_len"]]).decode()
             if r[0] else None for r in files]
    return files, c.f["index/arrays"], c.f["index/trials"][...], paths


def trial_files(c, alg, trial):
    """(row of index/files, path) of every file of one trial: only its rows are read."""
    row = c.f["index/trials"][alg * c.n_trials + trial]
    first, n = c.col("trials", row, "first_file"), c.col("trials", row, "n_files")
    rows = c.f["index/files"][first:first + n] if n else []
    return [(r, c.text_at(r[c.cols["files"]["path_off"]],
                          r[c.cols["files"]["path_len"]]).decode()) for r in rows]


def _find(c, path):
    parts = path.split("/")
    if len(parts) == 3 and parts[0].startswith("algorithm_"):
        files = trial_files(c, int(parts[0][10:]), int(parts[1][6:]))
    else:
        files = [(r, c.text_at(r[c.cols["files"]["path_off"]],
                               r[c.cols["files"]["path_len"]]).decode())
                 for r in c.f["index/files"][:c.n_root]]
    for row, p in files:
        if p == path:
            return row
    raise KeyError(f"{path} is not in the container")


def shown(name):
    """A name for a message: bytes that are not UTF-8 as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_BLANK = "".join(map(chr, range(1, 33)))  # what dckpt's reader skips around the object


def _first_wins(pairs):
    """An object whose keys appear twice keeps the first value, as dckpt's reader."""
    obj = {}
    for key, value in pairs:
        obj.setdefault(key, value)
    return obj


def parse_header(raw):
    """A record's JSON header as dckpt's reader takes it: the first JSON object of
    the text, and the bytes after it (white space after it aside; b"" for a valid
    header). A header written by dckpt before its writer refused them may hold
    bytes after the object, a key twice (the first is kept) or bytes that are
    not UTF-8 (they come back as lone surrogates, as array names do)."""
    text = raw.decode("utf-8", "surrogateescape")
    start = len(text) - len(text.lstrip(_BLANK))
    header, end = json.JSONDecoder(object_pairs_hook=_first_wins).raw_decode(text, start)
    if not isinstance(header, dict):
        raise ValueError("the JSON header is not an object")
    rest = text[end:].lstrip(_BLANK)
    return header, rest.encode("utf-8", "surrogateescape")


def load_record(c, path):
    """The JSON header and the arrays of one record, read from its own chunks.
    A header with bytes after its object (an old writer's) is read as dckpt
    reads it, with a warning (warnings.warn) saying how many."""
    row = _find(c, path)
    try:
        header, rest = parse_header(c.text_at(c.col("files", row, "text_off"),
                                              c.col("files", row, "text_len")))
    except ValueError as e:
        raise ValueError(f"{path}: the JSON header cannot be read: {e}") from None
    if rest:
        warnings.warn(f"{path}: the JSON header has {len(rest)} bytes after its JSON "
                      f"object ({shown(rest[:60].decode('utf-8', 'surrogateescape'))!r}), "
                      "as an older dckpt kept them: read as dckpt reads it (the object); "
                      "a current writer refuses such a header", stacklevel=2)
    first, n = c.col("files", row, "first_array"), c.col("files", row, "n_arrays")
    arrays = {}
    ac = c.cols["arrays"]
    for a in (c.f["index/arrays"][first:first + n] if n else []):
        dtype, ndim = int(a[ac["dtype"]]), int(a[ac["ndim"]])
        raw = c.text_at(a[ac["name_off"]], a[ac["name_len"]])
        # UTF-8, but a record written before dckpt 475f4a0 may have kept other
        # bytes: they come back as lone surrogates (surrogateescape undoes it)
        name = raw.decode("utf-8", "surrogateescape")
        shape = tuple(int(a[ac["shape0"] + d]) for d in range(ndim))
        off, count = int(a[ac["offset"]]), int(a[ac["count"]])
        values = c.f[POOLS[dtype]][off:off + count].astype(DTYPES[dtype], copy=False)
        if XXH3 and XXH3(raw + values.tobytes()) != int(a[ac["hash"]]):
            raise ValueError(f"{path}: array {shown(name)} is damaged (checksum mismatch)")
        arrays[name] = values.reshape(shape)  # () for a scalar
    return header, arrays


def trial_state(c, alg, trial):
    """Path, header and arrays of the newest checkpoint of a trial (None if none)."""
    ckpts = [(c.signed("files", r, "iteration"), p) for r, p in trial_files(c, alg, trial)
             if c.col("files", r, "kind") == 6]
    if not ckpts:
        return None
    path = max(ckpts)[1]
    return (path,) + load_record(c, path)


def file_bytes(c, row):
    """The bytes of a JSON or other file (its row of index/files)."""
    return c.text_at(c.col("files", row, "text_off"), c.col("files", row, "text_len"))


def result_table(c):
    """Final states of every algorithm whose trials are all complete, as
    {algorithm name: {array name: numpy array [n_trials, ...]}} (arrays whose
    shape differs between trials are kept as lists)."""
    meta = json.loads(file_bytes(c, _find(c, "metadata.json")))
    table = {}
    for alg, info in enumerate(meta["algorithms"]):
        finals = []
        for trial in range(c.n_trials):
            files = {p.rsplit("/", 1)[1]: r for r, p in trial_files(c, alg, trial)}
            if "complete.json" not in files:
                break
            marker = json.loads(file_bytes(c, files["complete.json"]))
            final = f"algorithm_{alg}/trial_{trial}/{marker['checkpoint_path']}"
            finals.append(load_record(c, final)[1])
        if len(finals) != c.n_trials:
            continue  # as dckpt_store_load_result: only complete algorithms
        stacked = {}
        for name in finals[0]:
            parts = [f[name] for f in finals]
            same = all(p.shape == parts[0].shape for p in parts)
            stacked[name] = np.stack(parts) if same else parts
        table[info["name"]] = stacked
    return table


def main(argv):
    if len(argv) not in (2, 4):
        sys.exit(__doc__)
    c = Container(argv[1])
    alg, trial = (int(argv[2]), int(argv[3])) if len(argv) == 4 else (0, 0)
    state = trial_state(c, alg, trial)
    if state is None:
        print(f"algorithm {alg} trial {trial}: no checkpoint")
    else:
        path, header, arrays = state
        print(f"{path}: header {json.dumps(header)}")
        for name, a in arrays.items():
            print(f"  {shown(name):12s} {str(a.dtype):8s} {str(a.shape):14s} {np.ravel(a)[:4]}")
    print("results:")
    for name, arrays in result_table(c).items():
        shapes = ", ".join(f"{shown(k)} {getattr(v, 'shape', 'ragged')}"
                           for k, v in arrays.items())
        print(f"  {name}: {shapes}")


if __name__ == "__main__":
    main(sys.argv)
