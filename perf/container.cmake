# bench_container: the HDF5 container's pack against raw MPI-IO and the
# directory store, sizes, files, reading one trial; --layout compares pooled
# arrays with a dataset per array. Driver: perf/run_container_bench.sh.
# Results: docs/performance.md, section "Container".
add_executable(bench_container ${CMAKE_CURRENT_LIST_DIR}/bench_container.c
  ${CMAKE_CURRENT_LIST_DIR}/bench_container_ops.c
  ${CMAKE_CURRENT_LIST_DIR}/bench_container_layout.c)
target_include_directories(bench_container PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(bench_container PRIVATE bench_util dckpt_h5zstd)
target_link_libraries(bench_container PRIVATE dckpt_container dckpt hdf5::hdf5 MPI::MPI_C
  dckpt_warnings m)
