# bench_store: save/load throughput of the checkpoint store against plain
# write()+fsync(), zstd level 1 and (with --ancestor) the Python ancestor.
# See docs/performance.md, section "Store: save and load throughput".
add_executable(bench_store ${CMAKE_CURRENT_LIST_DIR}/bench_store.c)
target_link_libraries(bench_store PRIVATE bench_util)
target_link_libraries(bench_store PRIVATE dckpt dckpt_warnings zstd::libzstd_shared m)
# bench_peers: dckpt's record-file API and store against numpy, h5py, zarr
# (perf/bench_peers.py) and C HDF5. docs/performance.md, "Against the peers".
add_executable(bench_peers ${CMAKE_CURRENT_LIST_DIR}/bench_peers.c)
target_link_libraries(bench_peers PRIVATE bench_util dckpt dckpt_warnings hdf5::hdf5
  MPI::MPI_C m)
target_compile_definitions(bench_peers PRIVATE
  BENCH_PEERS_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/bench_peers.py"
  BENCH_H5_PLUGIN_DIR="${DCKPT_HDF5_PLUGIN_DIR}")
add_dependencies(bench_peers dckpt_h5zstd_plugin)
