#!/usr/bin/env bash
# The zstd filter as an HDF5 plugin module (libdckpt_h5zstd.so), loaded
# through HDF5_PLUGIN_PATH by programs that know nothing of dckpt:
#   - h5dump (serial libhdf5) cannot read the data without it, and can with it;
#   - h5py (Debian's /usr/bin/python3) reads both datasets bit-identical to
#     the values the C side wrote;
#   - h5py writes datasets with filter 32015 through the plugin, and the
#     in-process filter of dckpt reads them.
# Usage: plugin.sh TEST_H5ZSTD PLUGIN_DIR WORK
set -euo pipefail
exe=$1 plugins=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/empty"
[ -e "$plugins/libdckpt_h5zstd.so" ] || fail "no plugin in $plugins"
f=$work/c.h5
"$exe" write "$f"

echo "-- h5dump without the plugin cannot read the data"
set +e
HDF5_PLUGIN_PATH=$work/empty h5dump -d /state "$f" >"$work/no.out" 2>&1
code=$?
set -e
[ "$code" != 0 ] || { cat "$work/no.out"; fail "h5dump read filtered data without the plugin"; }

echo "-- h5dump with the plugin"
HDF5_PLUGIN_PATH=$plugins h5dump -p -m %.10f -d /state "$f" >"$work/yes.out" 2>&1 \
  || { tail -20 "$work/yes.out"; fail "h5dump failed with the plugin"; }
grep -q "FILTER_ID 32015" "$work/yes.out" || fail "h5dump does not show filter 32015"
grep -q "SHUFFLE" "$work/yes.out" || fail "h5dump does not show the shuffle filter"
# the first value, value(0, 0) = sin(0.5) plus noise below 1e-9
grep -Eq "\(0,0\): 0\.4794255" "$work/yes.out" || { head -40 "$work/yes.out"; fail "unexpected first value"; }

if ! /usr/bin/python3 -c "import h5py, numpy" 2>/dev/null; then
  fail "Debian's python3-h5py and python3-numpy are needed (scripts/install-deps.sh)"
fi
echo "-- h5py reads through the plugin and writes with it"
HDF5_PLUGIN_PATH=$plugins /usr/bin/python3 - "$f" "$work/py.h5" <<'PY'
import sys
import h5py
import numpy as np

src, out = sys.argv[1], sys.argv[2]
want = np.fromfile(src + ".bin", dtype="<f8").reshape(1000, 37)
with h5py.File(src, "r") as f:
    for name in ("state", "plain"):
        got = f[name][...]
        if got.tobytes() != want.tobytes():
            sys.exit(f"h5py: /{name} differs from the values written")
        # raises when the dataset does not use filter 32015
        f[name].id.get_create_plist().get_filter_by_id(32015)
with h5py.File(out, "w") as f:
    f.create_dataset("state", data=want, chunks=(100, 37), shuffle=True,
                     compression=32015, compression_opts=(5,))
    f.create_dataset("plain", data=want, chunks=(1000, 8),
                     compression=32015, compression_opts=(1,))
    # cd_values[1] that is not the chunk size (the plugin has no set_local to
    # put it right): the filter refuses to write such a chunk (h5py's filter is
    # optional, so it is stored unfiltered), which it could not read back
    f.create_dataset("wrong_size", data=want, chunks=(1000, 8),
                     compression=32015, compression_opts=(1, 5))
with h5py.File(out, "r") as f:
    if f["state"].id.get_storage_size() >= want.nbytes:
        sys.exit("h5py: the zstd dataset is not smaller than raw")
    if f["wrong_size"][...].tobytes() != want.tobytes():
        sys.exit("h5py: /wrong_size differs from the values written")
print("h5py: read and wrote filter 32015 through the plugin")
PY
"$exe" read "$work/py.h5"
echo "plugin.sh: all passed"
