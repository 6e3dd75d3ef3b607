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
# ... and perf/bench_decode_split: every way of loading gives the state back
# bit for bit (the program checks and exits 1 otherwise) and the table has a
# row per size.
if(DCKPT_BUILD_PERF)
  add_test(NAME perf.decode_split_smoke
    COMMAND $<TARGET_FILE:bench_decode_split> --sizes 1M,3M --reps 1
      --dir ${DCKPT_TEST_TMP}/perf.decode_split_smoke)
  set_tests_properties(perf.decode_split_smoke PROPERTIES LABELS perf TIMEOUT 300
    PASS_REGULAR_EXPRESSION "\\| 3 MiB \\| 1\\.[0-9]+× \\|")
endif()
