# bench_store: save/load throughput of the checkpoint store against plain
# write()+fsync(), zstd level 1 and (with --ancestor) the Python ancestor.
# See docs/performance.md, section "Store: save and load throughput".
add_executable(bench_store ${CMAKE_CURRENT_LIST_DIR}/bench_store.c)
target_link_libraries(bench_store PRIVATE bench_util)
target_link_libraries(bench_store PRIVATE dckpt dckpt_warnings zstd::libzstd_shared m)
