#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a consumer
# project through find_package(dckpt) and another through pkg-config.
# Usage: install.sh BUILD_DIR SOURCE_DIR WORK_DIR [CFLAGS]
set -euo pipefail
# (under pipefail, `cmd | grep -q` can miss a match: grep -q exits at the
# first one and cmd, still writing, dies of SIGPIPE; grep >/dev/null reads all)
build=$1 src=$2 work=$3 flags=${4:-}
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/dckpt.h include/dckpt_run.h include/dckpt_container.h include/dckpt_export.h \
  bin/dckpt bin/dckpt-bench libexec/dckpt/dckpt-h5; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
for f in dckpt dckpt_run dckpt_container; do
  [ -n "$(find "$prefix" -path "*/pkgconfig/$f.pc")" ] || { echo "FAIL: $f.pc not installed"; exit 1; }
done
# bin/dckpt-bench is the static launcher; it finds the program in
# PREFIX/libexec/dckpt and that one its libraries, wherever the prefix is
"$prefix/bin/dckpt-bench" --version | grep "^dckpt-bench " >/dev/null ||
  { echo "FAIL: the installed dckpt-bench does not start"; exit 1; }
if readelf -d "$prefix/bin/dckpt-bench" 2>/dev/null | grep NEEDED >/dev/null; then
  echo "FAIL: bin/dckpt-bench is not static"; exit 1
fi
# bin/dckpt links no HDF5 and no MPI; it hands the container commands to
# PREFIX/libexec/dckpt/dckpt-h5 (checked at the end, on a real run)
if ldd "$prefix/bin/dckpt" | grep -E 'libhdf5|libmpi|libdckpt_container' >/dev/null; then
  echo "FAIL: bin/dckpt loads HDF5, MPI or the container library:"
  ldd "$prefix/bin/dckpt"; exit 1
fi
lib=$(find "$prefix" -name 'libdckpt.so.0' | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libdckpt.so.0 (SOVERSION 0) not installed"; exit 1; }
# libarchive is loaded on the first backup, not linked (store/archive_lib.c)
if readelf -d "$lib" | grep NEEDED | grep libarchive >/dev/null; then
  echo "FAIL: libdckpt links libarchive"; exit 1
fi
# api_only LIB INTERNALS: LIB exports only dckpt_ names, and none that starts
# like one of its internals INTERNALS (grep -E alternatives)
api_only() {
  local name foreign
  name=$(basename "$1")
  foreign=$(nm -D --defined-only "$1" | awk '{print $3}' | grep -v '^dckpt_' | grep -v '^_' || true)
  if [ -n "$foreign" ]; then
    echo "FAIL: $name exports symbols outside the dckpt_ namespace:"
    echo "$foreign"
    exit 1
  fi
  if nm -D --defined-only "$1" | grep -E " ($2)" >/dev/null; then
    echo "FAIL: $name exports internals ($2)"; exit 1
  fi
}
api_only "$lib" 'dckpt_io_|dckpt_err_set|dckpt_path_'

# the container library: only dckpt_ names, and no HDF5 symbol of its own
# (it links libhdf5; a second copy would fight the host program's)
clib=$(find "$prefix" -name 'libdckpt_container.so.0' | head -n 1)
[ -n "$clib" ] || { echo "FAIL: libdckpt_container.so.0 not installed"; exit 1; }
api_only "$clib" 'ctr_|pk_|dckpt_log$|dckpt_h5zstd'

# the HDF5 zstd plugin: in its own directory, only the two plugin entry
# points exported, and no libhdf5 of its own (docs/container.md)
plugin=$(find "$prefix" -path '*/dckpt/hdf5-plugins/libdckpt_h5zstd.so' | head -n 1)
[ -n "$plugin" ] || { echo "FAIL: the HDF5 plugin is not in PREFIX/.../dckpt/hdf5-plugins"; exit 1; }
exported=$(nm -D --defined-only "$plugin" | awk '{print $3}' | grep -v '^_' | sort | tr '\n' ' ')
[ "$exported" = "H5PLget_plugin_info H5PLget_plugin_type " ] \
  || { echo "FAIL: the plugin exports: $exported"; exit 1; }
if readelf -d "$plugin" | grep NEEDED | grep hdf5 >/dev/null; then
  echo "FAIL: the plugin links a libhdf5"; exit 1
fi

cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer" "$work/run-cmake"
"$work/consumer/consumer_run"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  "$work/consumer/consumer_container" "$work/run-cmake" "$work/run-cmake.h5"

# the installed dckpt packs and reads a container through dckpt-h5 (under
# LeakSanitizer with the container tests' option: tests/container.cmake)
h5_asan="${ASAN_OPTIONS:-}:intercept_tls_get_addr=0"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=$h5_asan \
  "$prefix/bin/dckpt" pack --quiet "$work/run-cmake" "$work/run-cli.h5"
ASAN_OPTIONS=$h5_asan "$prefix/bin/dckpt" verify "$work/run-cli.h5" >/dev/null

pc=$(find "$prefix" -name dckpt.pc | head -n 1)
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
# shellcheck disable=SC2086
cc $flags -o "$work/consumer_pc" "$src/tests/install/consumer/consumer.c" $(pkg-config --cflags --libs dckpt) \
  -Wl,-rpath,"$(pkg-config --variable=libdir dckpt)"
"$work/consumer_pc" "$work/run-pc"
# the MPI libraries' .pc files, with the MPI compiler wrapper
for lib in dckpt_run dckpt_container; do
  # shellcheck disable=SC2046
  # shellcheck disable=SC2086
  mpicc $flags -o "$work/consumer_pc_$lib" "$src/tests/install/consumer/consumer_${lib#dckpt_}.c" \
    $(pkg-config --cflags --libs "$lib") -Wl,-rpath,"$(pkg-config --variable=libdir "$lib")"
done
"$work/consumer_pc_dckpt_run"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  "$work/consumer_pc_dckpt_container" "$work/run-pc" "$work/run-pc.h5"
echo "install.sh: all passed"
