# The benchmark programs under perf/ keep working (no timing is asserted: the
# numbers belong in docs/performance.md): a tiny bench_store run checked
# against what perf/summarize_store.py and perf/run_store_bench.sh read.
if(DCKPT_BUILD_PERF)
  add_test(NAME perf.store_smoke
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/perf/store_smoke.sh $<TARGET_FILE:bench_store>
      ${PROJECT_SOURCE_DIR} ${DCKPT_TEST_TMP}/perf.store_smoke)
  set_tests_properties(perf.store_smoke PROPERTIES LABELS perf TIMEOUT 300)
endif()
# ... and perf/bench_scan.py (strace counts and times of status, resume and
# the Python scan) on a tiny campaign; DCKPT_PERF_SCAN_TRIALS / _ALGS in the
# environment size it up (tests/perf/scan_smoke.sh).
if(DCKPT_BUILD_PERF)
  add_test(NAME perf.scan_smoke
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/perf/scan_smoke.sh ${PROJECT_SOURCE_DIR}
      ${CMAKE_BINARY_DIR} ${DCKPT_TEST_TMP}/perf.scan_smoke)
  set_tests_properties(perf.scan_smoke PROPERTIES LABELS perf TIMEOUT 600
    ENVIRONMENT "${DCKPT_MPI_ENV}")
endif()
