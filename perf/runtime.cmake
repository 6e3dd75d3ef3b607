# Benchmarks of the MPI runtime (dckpt_run): checkpoint overhead, scaling,
# load balance and hand-out latency of the two schedulers, resume/status scan
# speed. Driver: perf/bench_run.sh (build, machine facts) -> perf/bench_run.py.
# Results: docs/performance.md, section "Runtime".
if(TARGET dckpt_opt)
  add_executable(bench_run_opt ${CMAKE_CURRENT_LIST_DIR}/bench_run_opt.c)
  target_link_libraries(bench_run_opt PRIVATE bench_util)
  target_link_libraries(bench_run_opt PRIVATE dckpt_opt dckpt_run dckpt cjson
    MPI::MPI_C dckpt_warnings m)
endif()
add_executable(bench_run_sched ${CMAKE_CURRENT_LIST_DIR}/bench_run_sched.c)
target_link_libraries(bench_run_sched PRIVATE bench_util)
target_link_libraries(bench_run_sched PRIVATE dckpt_run dckpt MPI::MPI_C dckpt_warnings m)
add_executable(bench_run_scan ${CMAKE_CURRENT_LIST_DIR}/bench_run_scan.c)
target_link_libraries(bench_run_scan PRIVATE bench_util)
target_link_libraries(bench_run_scan PRIVATE dckpt_run dckpt MPI::MPI_C dckpt_warnings)
# bench_metrics: bytes written and wall time of a long trial with its metric
# history in every checkpoint or in segments (issue 13 item 2).
add_executable(bench_metrics ${CMAKE_CURRENT_LIST_DIR}/bench_metrics.c)
target_link_libraries(bench_metrics PRIVATE bench_util)
target_link_libraries(bench_metrics PRIVATE dckpt_run dckpt MPI::MPI_C dckpt_warnings m)
