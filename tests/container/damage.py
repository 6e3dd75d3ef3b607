#!/usr/bin/python3
"""Damages and inspects containers for tests/container/container_test.sh,
through h5py and the reader of examples/read_container.py.

    damage.py flip FILE RECORD ARRAY    flips bytes in the chunk that holds the
                                        array; prints every record with data there
    damage.py row FILE PATH             changes a column of PATH's row of
                                        index/files, leaving its checksum stale
    damage.py hostile FILE KIND         rewrites the index as an attacker would
                                        (valid checksums); prints a regular
                                        expression the refusal must match
    damage.py foreign FILE KIND TARGET  makes a dataset's elements live outside
                                        FILE (links, external or virtual
                                        storage, pointing at TARGET); prints a
                                        regular expression the refusal must match
    damage.py setlevel RECORD_FILE L    sets the informational level field of a
                                        record file (header hash recomputed)
    damage.py rename RECORD_FILE OLD NEW
                                        renames an array of a record file to NEW
                                        (as many bytes as OLD; backslash-x
                                        escapes allowed), header hash
                                        recomputed: a name that is not UTF-8
                                        makes a record as writers before
                                        475f4a0 could
    damage.py header RECORD_FILE OLD NEW
                                        replaces OLD by NEW (as many bytes;
                                        backslash-x escapes allowed) in the
                                        JSON header of a record file, header
                                        hash recomputed
    damage.py dump FILE RECORD          the record as JSON, read by the example
    damage.py where FILE RECORD ARRAY   "offset count" of the array in its pool
"""
import json
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import read_container as rc  # noqa: E402

U64 = np.uint64


def row_hash(row):
    return U64(rc.XXH3(np.asarray(row[:-1], dtype="<u8").tobytes()))


def rehash(table, padded=True):
    """Row hashes recomputed; with `padded`, rows whose first column is 0 are
    padding and stay as they are (index/trials has none: its first column is
    the algorithm)."""
    for i in range(table.shape[0]):
        if table[i, 0] or not padded:
            table[i, -1] = row_hash(table[i])


def record_rows(c, path):
    """(files row index, files row, arrays rows index range)."""
    files = c.f["index/files"][...]
    for i, r in enumerate(files):
        if r[0] and c.text_at(r[4], r[5]).decode() == path:
            first, n = int(r[c.cols["files"]["first_array"]]), int(r[c.cols["files"]["n_arrays"]])
            return i, files, range(first, first + n)
    sys.exit(f"{path} not found")


def array_row(c, path, name):
    _, _, rows = record_rows(c, path)
    arrays = c.f["index/arrays"][...]
    ac = c.cols["arrays"]
    for i in rows:
        a = arrays[i]
        if c.text_at(a[ac["name_off"]], a[ac["name_len"]]).decode() == name:
            return i, arrays
    sys.exit(f"{path}: no array {name}")


def flip(path, record, name):
    c = rc.Container(path)
    i, arrays = array_row(c, record, name)
    ac = c.cols["arrays"]
    pool = rc.POOLS[int(arrays[i][ac["dtype"]])]
    off = int(arrays[i][ac["offset"]])
    ds = c.f[pool]
    info = ds.id.get_chunk_info_by_coord((off // ds.chunks[0] * ds.chunks[0],))
    lo, hi = info.chunk_offset[0], info.chunk_offset[0] + ds.chunks[0]
    hit = set()  # every record with elements in the chunk
    for r in c.f["index/files"][...]:
        if not r[0] or not r[c.cols["files"]["n_arrays"]]:
            continue
        first, n = int(r[c.cols["files"]["first_array"]]), int(r[c.cols["files"]["n_arrays"]])
        for a in arrays[first:first + n]:
            if rc.POOLS.get(int(a[ac["dtype"]])) == pool and a[ac["count"]] and \
                    a[ac["offset"]] < hi and a[ac["offset"]] + a[ac["count"]] > lo:
                hit.add(c.text_at(r[4], r[5]).decode())
    c.f.close()
    with open(path, "r+b") as f:
        for k in (info.size // 3, info.size // 2, 2 * info.size // 3):
            f.seek(info.byte_offset + k)
            b = f.read(1)
            f.seek(info.byte_offset + k)
            f.write(bytes([b[0] ^ 0x5A]))
    print("\n".join(sorted(hit)))


def damage_row(path, target):
    c = rc.Container(path)
    i, files, _ = record_rows(c, target)
    c.f.close()
    with h5py.File(path, "r+") as f:
        files[i, 7] += U64(1)  # text_len, checksum left as it was
        f["index/files"][...] = files


def append_text(f, data):
    t = f["data/text"]
    off = t.shape[0]
    t.resize((off + len(data),))
    t[off:] = np.frombuffer(data, dtype="u1")
    return off


def hostile(path, kind):
    c = rc.Container(path)
    fc, ac = c.cols["files"], c.cols["arrays"]
    ckpt = "algorithm_0/trial_0/checkpoint_0000014.dckpt"
    fi, files, arows = record_rows(c, ckpt)
    c.f.close()
    f = h5py.File(path, "r+")
    arrays = f["index/arrays"][...]
    trials = f["index/trials"][...]
    expect = None
    if kind in ("dotdot", "absolute", "slash_in_name", "other_kind"):
        text = {"dotdot": b"algorithm_0/trial_0/../../../../../../tmp/dckpt-hostile-escape",
                "absolute": b"/tmp/dckpt-hostile-escape",
                "slash_in_name": b"results/../../dckpt-hostile-escape",
                "other_kind": b"results/x"}[kind]
        off = append_text(f, text)
        expect = "refused: path"
        if kind == "slash_in_name":  # run_status.json, a root file of kind "other"
            fi = [i for i in range(int(c.n_root)) if files[i, fc["kind"]] == 9][0]
        files[fi, fc["path_off"]], files[fi, fc["path_len"]] = U64(off), U64(len(text))
        if kind == "other_kind":  # a checkpoint's row made an "other file"
            files[fi, fc["kind"]] = U64(9)
            files[fi, fc["first_array"]] = files[fi, fc["n_arrays"]] = U64(0)
            files[fi, fc["raw_bytes"]] = U64(0)
            expect = "do not fit kind|of /index/arrays is unusable: no record owns it"
    elif kind == "huge_count":
        i = arows[0]
        arrays[i, ac["count"]] = arrays[i, ac["shape0"]] = U64(1 << 62)
        expect = "past the end"
    elif kind == "past_end":
        i = arows[0]
        arrays[i, ac["offset"]] = U64(f[rc.POOLS[int(arrays[i, 0])]].shape[0])
        expect = "past the end"
    elif kind == "overlap":  # a record of another trial names this record's data
        j = arows[0]
        k = [i for i in range(arrays.shape[0]) if i not in arows and arrays[i, 0] == arrays[j, 0]
             and arrays[i, ac["count"]] == arrays[j, ac["count"]]][0]
        arrays[k, ac["offset"]] = arrays[j, ac["offset"]]
        arrays[k, ac["hash"]] = arrays[j, ac["hash"]]
        expect = "share elements"
    elif kind == "huge_arrays":
        files[fi, fc["n_arrays"]] = U64(1 << 40)
        expect = "out of bounds|unusable"
    elif kind == "text_past_end":
        files[fi, fc["text_off"]] = U64(f["data/text"].shape[0] + 10)
        expect = "past the end of /data/text"
    elif kind == "shape_mismatch":
        i = arows[0]
        arrays[i, ac["shape0"]] += U64(1)
        expect = "does not match its shape"
    elif kind == "trial_overlap":
        trials[1, 2] = trials[0, 2]
        trials[1, 3] = trials[0, 3]
        expect = "overlap"
    elif kind == "bad_dtype":
        arrays[arows[0], ac["dtype"]] = U64(9)
        expect = "unknown dtype"
    elif kind == "dup_name":
        a, b = arows[0], arows[1]
        arrays[b, ac["name_off"]] = arrays[a, ac["name_off"]]
        arrays[b, ac["name_len"]] = arrays[a, ac["name_len"]]
        expect = "repeated"
    elif kind in ("swap_ident", "ident_iter", "ident_none", "ident_dup"):
        # the row keeps its place and gets the identity of another trial's
        # checkpoint, of another iteration, none, or its own with a second
        # "iteration" (cJSON reads the first, Python the last); texts_hash
        # recomputed
        text = f["data/text"][...]

        def at(r, o, n):
            return text[int(files[r, fc[o]]):int(files[r, fc[o]]) + int(files[r, fc[n]])].tobytes()
        if kind == "swap_ident":
            other = [i for i in range(files.shape[0]) if files[i, fc["kind"]] == 6 and
                     files[i, fc["trial"]] != files[fi, fc["trial"]]][0]
            off, n = files[other, fc["ident_off"]], files[other, fc["ident_len"]]
        elif kind == "ident_iter":
            ident = at(fi, "ident_off", "ident_len").replace(b'"iteration":14', b'"iteration":19')
            off, n = U64(append_text(f, ident)), U64(len(ident))
        elif kind == "ident_dup":
            ident = at(fi, "ident_off", "ident_len")[:-1] + b',"iteration":19}'
            off, n = U64(append_text(f, ident)), U64(len(ident))
        else:
            off = n = U64(0)
        files[fi, fc["ident_off"]], files[fi, fc["ident_len"]] = off, n
        text = f["data/text"][...]
        files[fi, fc["texts_hash"]] = U64(rc.XXH3(
            at(fi, "path_off", "path_len") + at(fi, "text_off", "text_len") +
            at(fi, "ident_off", "ident_len")))
        expect = ('identity holds key "iteration" twice' if kind == "ident_dup" else
                  "belongs elsewhere: its identity|carries no identity")
    elif kind in ("orphan_file", "orphan_trial"):
        # trial 0 gives up its last file, or all of them (n_files 0): rows
        # that nobody owns, which unpack dropped without a word
        trials[0, 3] = U64(0) if kind == "orphan_trial" else trials[0, 3] - U64(1)
        expect = "of /index/files is unusable: no trial and no root file owns it"
    elif kind == "orphan_array":  # the record gives up its last array (and its bytes)
        last = arows[-1]
        size = f[rc.POOLS[int(arrays[last, ac["dtype"]])]].dtype.itemsize
        files[fi, fc["n_arrays"]] -= U64(1)
        files[fi, fc["raw_bytes"]] -= arrays[last, ac["count"]] * U64(size)
        expect = "of /index/arrays is unusable: no record owns it"
    elif kind in ("meta_trials", "meta_algs", "meta_dup", "meta_trail"):
        # metadata.json says 4 trials (or 1 algorithm) where the attributes
        # and the index say 3 (2): only the meaning disagrees, and which one
        # unpack or the store trusted decided silently. Or the plan is right
        # but "n_trials" comes a second time, or bytes follow the object:
        # cJSON_Parse took both, the store refuses them, so verify called
        # clean a container that unpacked into a run nobody can open.
        # texts_hash recomputed
        mi = [i for i in range(int(c.n_root)) if files[i, fc["kind"]] == 1][0]
        text = f["data/text"][...]
        raw = text[int(files[mi, fc["text_off"]]):int(files[mi, fc["text_off"]]) +
                   int(files[mi, fc["text_len"]])].tobytes().rstrip()
        meta = json.loads(raw)
        if kind == "meta_trials":
            meta["n_trials"] += 1
        elif kind == "meta_algs":
            meta["algorithms"] = meta["algorithms"][:1]
        if kind == "meta_dup":
            data = raw[:-1] + b',"n_trials":%d}\n' % meta["n_trials"]
        elif kind == "meta_trail":
            data = raw + b"garbage\n"
        else:
            data = json.dumps(meta, separators=(",", ":")).encode()
        off = U64(append_text(f, data))
        files[mi, fc["text_off"]], files[mi, fc["text_len"]] = off, U64(len(data))
        text = f["data/text"][...]
        path = text[int(files[mi, fc["path_off"]]):int(files[mi, fc["path_off"]]) +
                    int(files[mi, fc["path_len"]])].tobytes()
        files[mi, fc["texts_hash"]] = U64(rc.XXH3(path + data))
        expect = {
            "meta_trials": "metadata.json describes 2 algorithms x 4 trials, its root "
                           "attributes n_algorithms x n_trials = 2 x 3",
            "meta_algs": "metadata.json describes 1 algorithms x 3 trials, its root "
                         "attributes n_algorithms x n_trials = 2 x 3",
            "meta_dup": 'metadata.json.*key "n_trials" appears twice',
            "meta_trail": "metadata.json.*malformed JSON at byte"}[kind]
    elif kind in ("dup_path", "dup_root"):
        # two rows name one file: checkpoint 14 of trial 0 made a second
        # checkpoint 19 (the identity of 19, its own arrays), or
        # run_status.json a second metadata.json with other bytes; readers
        # took the first, unpack wrote the last (texts_hash recomputed)
        text = f["data/text"][...]

        def at(r, o, n):
            return text[int(files[r, fc[o]]):int(files[r, fc[o]]) + int(files[r, fc[n]])].tobytes()
        if kind == "dup_path":
            src = [i for i in range(files.shape[0]) if files[i, fc["kind"]] == 6 and
                   files[i, fc["alg"]] == 0 and files[i, fc["trial"]] == 0 and
                   files[i, fc["iteration"]] == 19][0]
            dst = fi
            for col in ("iteration", "path_off", "path_len", "ident_off", "ident_len"):
                files[dst, fc[col]] = files[src, fc[col]]
        else:
            src = [i for i in range(int(c.n_root)) if files[i, fc["kind"]] == 1][0]
            dst = [i for i in range(int(c.n_root)) if files[i, fc["kind"]] == 9][0]
            meta = json.loads(at(src, "text_off", "text_len"))
            meta["benchmark_metadata"] = {"forged": True}
            data = json.dumps(meta, separators=(",", ":")).encode()
            files[dst, fc["kind"]] = U64(1)
            files[dst, fc["text_off"]], files[dst, fc["text_len"]] = \
                U64(append_text(f, data)), U64(len(data))
            files[dst, fc["path_off"]] = files[src, fc["path_off"]]
            files[dst, fc["path_len"]] = files[src, fc["path_len"]]
            text = f["data/text"][...]
        files[dst, fc["texts_hash"]] = U64(rc.XXH3(
            at(dst, "path_off", "path_len") + at(dst, "text_off", "text_len") +
            at(dst, "ident_off", "ident_len")))
        expect = "rows [0-9]+ and [0-9]+ of /index/files both name"
    elif kind in ("rec_version", "rec_version1"):  # dump reported it as the record's
        files[fi, fc["rec_version"]] = U64(99 if kind == "rec_version" else 1)
        expect = "its record's format version is not one a record file has"
    elif kind == "trial_rows_bomb":
        f.attrs.modify("n_trials", np.int64(1 << 30))
        expect = "rows for|attributes say"
    elif kind == "attr_trials":
        f.attrs.modify("n_algorithms", np.int64(1 << 40))
        expect = "attributes say"
    else:
        sys.exit(f"unknown kind {kind}")
    rehash(files)
    rehash(arrays)
    rehash(trials, padded=False)
    f["index/files"][...] = files
    f["index/arrays"][...] = arrays
    f["index/trials"][...] = trials
    f.close()
    print(expect)


def foreign(path, kind, target):
    f = h5py.File(path, "r+")
    d = f["data/f64"]
    shape, data = d.shape, d[...]
    if kind == "extlink":  # the pool an external link to another (valid) container
        del f["data/f64"]
        f["data/f64"] = h5py.ExternalLink(target, "/data/f64")
        expect = "/data/f64 is an external link"
    elif kind == "extlink_group":  # the whole /data group in another file
        del f["data"]
        f["data"] = h5py.ExternalLink(target, "/data")
        expect = "/data is an external link"
    elif kind == "softlink":  # /index/files names /index/arrays' object
        del f["index/files"]
        f["index/files"] = h5py.SoftLink("/index/arrays")
        expect = "/index/files is a soft link"
    elif kind == "external_raw":  # the pool's elements in a raw file
        with open(target, "wb") as raw:
            raw.write(data.tobytes())
        del f["data/f64"]
        f.create_dataset("data/f64", shape=shape, dtype="<f8",
                         external=[(target, 0, data.nbytes)])
        expect = "keeps its elements in external files"
    elif kind == "virtual":  # the pool mapped from another file's dataset
        layout = h5py.VirtualLayout(shape=shape, dtype="<f8")
        layout[:] = h5py.VirtualSource(target, "data/f64", shape=shape)
        del f["data/f64"]
        f.create_virtual_dataset("data/f64", layout)
        expect = "virtual layout"
    elif kind == "big_chunk":  # one 128 MiB chunk of zeros, a few KiB stored
        n = 1 << 24
        del f["data/f64"]
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((n,))
        dcpl.set_shuffle()
        dcpl.set_filter(32015, h5py.h5z.FLAG_MANDATORY, (1,))
        space = h5py.h5s.create_simple((n,), (h5py.h5s.UNLIMITED,))
        ds = h5py.Dataset(h5py.h5d.create(f.id, b"data/f64", h5py.h5t.IEEE_F64LE, space, dcpl))
        ds[:shape[0]] = data
        expect = "has chunks of more than 64 MiB"
    else:
        sys.exit(f"unknown kind {kind}")
    f.close()
    print(expect)


def setlevel(path, level):
    b = bytearray(open(path, "rb").read())
    end = 8 + int.from_bytes(b[4:8], "little") - 8  # the header hash
    b[28:32] = int(level).to_bytes(4, "little", signed=True)
    b[end:end + 8] = int(rc.XXH3(bytes(b[:end]))).to_bytes(8, "little")
    open(path, "wb").write(b)


def rename(path, old, new):
    b = bytearray(open(path, "rb").read())
    end = 8 + int.from_bytes(b[4:8], "little") - 8  # the header hash
    old, new = (n.encode("latin-1").decode("unicode_escape").encode("latin-1") for n in (old, new))
    if len(old) != len(new):
        sys.exit("rename: NEW must have as many bytes as OLD")
    version = int.from_bytes(b[16:20], "little")
    n_arrays = int.from_bytes(b[32:36], "little")
    at = 56 if version == 1 else 64  # the array table (docs/format.md)
    for _ in range(n_arrays):
        n = b[at]
        if bytes(b[at + 1:at + 1 + n]) == old:
            b[at + 1:at + 1 + n] = new
            b[end:end + 8] = int(rc.XXH3(bytes(b[:end]))).to_bytes(8, "little")
            open(path, "wb").write(b)
            return
        at += 1 + n + 3 + 8 * b[at + 1 + n + 2] + 16
    sys.exit(f"rename: {path} has no array {old!r}")


def header(path, old, new):
    b = bytearray(open(path, "rb").read())
    end = 8 + int.from_bytes(b[4:8], "little") - 8  # the header hash
    old, new = (n.encode("latin-1").decode("unicode_escape").encode("latin-1") for n in (old, new))
    if len(old) != len(new):
        sys.exit("header: NEW must have as many bytes as OLD")
    at = b.find(old, 0, end)
    if at < 0:
        sys.exit(f"header: {path} has no {old!r} in its header")
    b[at:at + len(old)] = new
    b[end:end + 8] = int(rc.XXH3(bytes(b[:end]))).to_bytes(8, "little")
    open(path, "wb").write(b)


def dump(path, record):
    c = rc.Container(path)
    header, arrays = rc.load_record(c, record)
    names = {"float64": "f64", "float32": "f32", "int64": "i64", "uint64": "u64", "uint8": "bytes"}

    def value(v):
        v = v.item()
        return None if isinstance(v, float) and not math.isfinite(v) else v
    out = {"header": header, "arrays": [
        {"name": n, "dtype": names[str(a.dtype)], "shape": list(a.shape),
         "values": [value(v) for v in np.ravel(a)]} for n, a in arrays.items()]}
    print(json.dumps(out))


def where(path, record, name):
    c = rc.Container(path)
    i, arrays = array_row(c, record, name)
    ac = c.cols["arrays"]
    print(int(arrays[i][ac["offset"]]), int(arrays[i][ac["count"]]))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"flip": flip, "row": damage_row, "hostile": hostile, "foreign": foreign, "setlevel": setlevel, "rename": rename, "header": header, "dump": dump, "where": where}[cmd](*args)
