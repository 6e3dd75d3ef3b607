# bench_store: save/load throughput of the checkpoint store against plain
# write()+fsync(), zstd level 1 and (with --ancestor) the Python ancestor.
# Sources: perf/store/ (main.c says which file does what).
# See docs/performance.md, section "Store: save and load throughput".
set(bench_store_dir ${CMAKE_CURRENT_LIST_DIR}/store)
add_executable(bench_store
  ${bench_store_dir}/main.c ${bench_store_dir}/options.c ${bench_store_dir}/state.c
  ${bench_store_dir}/stores.c ${bench_store_dir}/plain.c ${bench_store_dir}/phases.c
  ${bench_store_dir}/measure.c ${bench_store_dir}/ancestor.c ${bench_store_dir}/profile.c
  ${bench_store_dir}/tables.c ${bench_store_dir}/phase_table.c
  ${bench_store_dir}/targets.c ${bench_store_dir}/csv.c)
target_include_directories(bench_store PRIVATE ${CMAKE_CURRENT_LIST_DIR})
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
# bench_decode_split: today's load against a raw read, C HDF5's load, and
# independent zstd frames and plane-wise frames on one and two threads
# (docs/performance.md, "What stands between dckpt and the targets"; design.md,
# "A plane-wise payload"). Internal symbols (the shuffle): dckpt_internal.
add_executable(bench_decode_split ${CMAKE_CURRENT_LIST_DIR}/bench_decode_split.c)
target_link_libraries(bench_decode_split PRIVATE bench_util dckpt_internal dckpt_warnings
  hdf5::hdf5 MPI::MPI_C m)
