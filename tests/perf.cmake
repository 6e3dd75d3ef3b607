# The benchmark programs under perf/ keep working (no timing is asserted: the
# numbers belong in docs/performance.md): a tiny bench_store run checked
# against what perf/summarize_store.py and perf/run_store_bench.sh read.
if(DCKPT_BUILD_PERF)
  add_test(NAME perf.store_smoke
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/perf/store_smoke.sh $<TARGET_FILE:bench_store>
      ${PROJECT_SOURCE_DIR} ${DCKPT_TEST_TMP}/perf.store_smoke)
  set_tests_properties(perf.store_smoke PROPERTIES LABELS perf TIMEOUT 300)
endif()
