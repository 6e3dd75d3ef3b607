# Tests of dckpt_report (apps/bench/report): tables parsed back, PNGs decoded
# with cairo and checked pixel by pixel, axis ticks, and inputs that must not
# crash. One CTest entry per case: `ctest -L report`.
if(TARGET dckpt_report)
  add_library(dckpt_report_testutil STATIC
    ${CMAKE_CURRENT_LIST_DIR}/report/rtest.c ${CMAKE_CURRENT_LIST_DIR}/report/synth.c)
  target_include_directories(dckpt_report_testutil PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(dckpt_report_testutil PRIVATE DCKPT_TEST_TMP="${DCKPT_TEST_TMP}")
  target_link_libraries(dckpt_report_testutil PUBLIC dckpt_report m PRIVATE dckpt_warnings)

  # name -> cases
  set(DCKPT_REPORT_TESTS
    "table:csv txt tex print empty bad_input unwritable huge diverged"
    "plot:synthetic discriminates figures log_scale degenerate many_algorithms unwritable"
    "axis:linear_ticks labels log_ticks degenerate_ranges")
  # Fontconfig's process-lifetime caches are not ours: keep LeakSanitizer quiet
  # about them under DCKPT_SANITIZE.
  set(DCKPT_REPORT_ENV "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/report/lsan.supp:print_suppressions=0")
  foreach(entry ${DCKPT_REPORT_TESTS})
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 area)
    list(GET parts 1 cases)
    separate_arguments(cases)
    dckpt_add_test_exe(test_report_${area}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report_${area}.c)
    target_link_libraries(test_report_${area} PRIVATE dckpt_report_testutil)
    foreach(c ${cases})
      add_test(NAME report.${area}.${c} COMMAND test_report_${area} ${c})
      set_tests_properties(report.${area}.${c} PROPERTIES LABELS report TIMEOUT 120
        ENVIRONMENT "${DCKPT_REPORT_ENV}")
    endforeach()
  endforeach()

  # Renders the synthetic campaign shown in docs/results.md, checks the
  # figure and tables, and that the page shows exactly what it renders.
  dckpt_add_test_exe(report_doc_figure SOURCES ${CMAKE_CURRENT_LIST_DIR}/report/doc_figure.c)
  target_link_libraries(report_doc_figure PRIVATE dckpt_report_testutil)
  file(MAKE_DIRECTORY ${DCKPT_TEST_TMP}/report.doc_figure)
  add_test(NAME report.doc_figure COMMAND report_doc_figure ${DCKPT_TEST_TMP}/report.doc_figure
    --docs ${PROJECT_SOURCE_DIR})
  set_tests_properties(report.doc_figure PROPERTIES LABELS report TIMEOUT 120
    ENVIRONMENT "${DCKPT_REPORT_ENV}")
endif()
