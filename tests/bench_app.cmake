# Tests of dckpt-bench itself (apps/bench): real campaigns run through
# FindMPI's launcher (or as singletons), their tables and plots checked, runs
# killed, stopped, resumed and grown, and bad configurations refused.
# `ctest -L bench_app`. Scripts: tests/bench_app/*.sh; tools:
#   bench_final_digest DIR [--metrics]   digest of every trial's final record
#   bench_png_check FILE W H N_ALGS      size, non-blank, palette colours
if(TARGET dckpt-bench AND TARGET dckpt_report AND TARGET dckpt-cli)
  add_executable(bench_final_digest ${CMAKE_CURRENT_LIST_DIR}/bench_app/final_digest.c)
  target_link_libraries(bench_final_digest PRIVATE dckpt dckpt_warnings)
  add_executable(bench_png_check ${CMAKE_CURRENT_LIST_DIR}/bench_app/png_check.c)
  # dckpt_report brings cairo (PkgConfig::CAIRO, imported in its directory)
  target_link_libraries(bench_png_check PRIVATE dckpt_report dckpt_warnings)

  # Under LeakSanitizer (DCKPT_SANITIZE) Open MPI's and Fontconfig's
  # process-lifetime memory is suppressed (one file: LSan reads only one).
  file(READ ${CMAKE_CURRENT_LIST_DIR}/lsan-mpi.supp bench_app_supp_mpi)
  file(READ ${CMAKE_CURRENT_LIST_DIR}/report/lsan.supp bench_app_supp_report)
  set(bench_app_supp ${CMAKE_CURRENT_BINARY_DIR}/bench_app-lsan.supp)
  file(WRITE ${bench_app_supp} "${bench_app_supp_mpi}\n${bench_app_supp_report}")
  string(REPLACE ";" " " bench_app_preflags "${MPIEXEC_PREFLAGS}")
  # The interruption tests' campaign (bench_app/lib.sh) must outlast several
  # stop and kill rounds: 6000 iterations per algorithm in a plain build, a
  # third of that under a sanitizer, which runs it about as long.
  set(bench_app_iterations 6000)
  # Tests that only need pairs long enough to be caught holding a lease run
  # a quarter of that (their own reference): shared_exit runs the whole
  # campaign five times.
  set(bench_app_short_iterations 1500)
  if(DCKPT_SANITIZE OR DCKPT_TSAN)
    set(bench_app_iterations 2000)
    set(bench_app_short_iterations 500)
  endif()

  # bench_app_test(NAME SCRIPT NP [EXTRA...]): bash SCRIPT NP and the programs
  # and a scratch directory of its own (see bench_app/lib.sh); the launcher
  # comes in the environment, and the interruption campaign's length from
  # bench_app_test_iterations when the caller sets it.
  function(bench_app_test name script np)
    set(iterations ${bench_app_iterations})
    if(DEFINED bench_app_test_iterations)
      set(iterations ${bench_app_test_iterations})
    endif()
    add_test(NAME bench_app.${name}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bench_app/${script} ${np}
        $<TARGET_FILE:dckpt-bench> $<TARGET_FILE:dckpt-cli>
        $<TARGET_FILE:bench_final_digest> $<TARGET_FILE:bench_png_check>
        ${DCKPT_TEST_TMP}/bench_app.${name} ${ARGN})
    set(procs ${np})
    if(procs GREATER 2 OR procs LESS 1)
      set(procs 2)
    endif()
    set_tests_properties(bench_app.${name} PROPERTIES LABELS bench_app TIMEOUT 600
      PROCESSORS ${procs}
      ENVIRONMENT "${DCKPT_MPI_ENV};LSAN_OPTIONS=suppressions=${bench_app_supp}:print_suppressions=0;BENCH_APP_MPIEXEC=${MPIEXEC_EXECUTABLE};BENCH_APP_NPFLAG=${MPIEXEC_NUMPROC_FLAG};BENCH_APP_PREFLAGS=${bench_app_preflags};BENCH_APP_ITERATIONS=${iterations}")
  endfunction()

  # A campaign on 2 ranks: tables, the metrics record, plots decoded.
  bench_app_test(campaign campaign.sh 2)
  # The finished campaign run again: nothing recomputed or redrawn.
  bench_app_test(rerun rerun.sh 2 ${DCKPT_TEST_TMP}/bench_app.campaign)
  set_tests_properties(bench_app.campaign PROPERTIES FIXTURES_SETUP bench_app_campaign)
  set_tests_properties(bench_app.rerun PROPERTIES FIXTURES_REQUIRED bench_app_campaign)

  # Interruptions against one uninterrupted reference run.
  bench_app_test(reference reference.sh 0)
  bench_app_test(kill_resume kill_resume.sh 4 ${DCKPT_TEST_TMP}/bench_app.reference)
  bench_app_test(stop_resume stop_resume.sh 4 ${DCKPT_TEST_TMP}/bench_app.reference)
  set_tests_properties(bench_app.reference PROPERTIES FIXTURES_SETUP bench_app_reference)
  # The same kills with checkpoints by time alone: wherever they fall, the
  # resumed campaign ends bit-identical.
  bench_app_test(kill_resume_interval kill_resume.sh 4
    ${DCKPT_TEST_TMP}/bench_app.reference --checkpoint-step none
    --checkpoint-interval 0.02)
  set_tests_properties(bench_app.kill_resume bench_app.stop_resume
    bench_app.kill_resume_interval PROPERTIES FIXTURES_REQUIRED bench_app_reference)

  # Shared runs (--shared): 2 and 4 runs at once on one campaign, one
  # SIGKILLed holding a pair's lease (and with 4, one stopped and restarted),
  # ending bit-identical to the reference; shared and exclusive runs refuse
  # each other.
  bench_app_test(shared_2 shared.sh 2 ${DCKPT_TEST_TMP}/bench_app.reference)
  bench_app_test(shared_4 shared.sh 4 ${DCKPT_TEST_TMP}/bench_app.reference)
  # A shared run with nothing left to claim exits 0 at once (its results left
  # to the holder), --shared-wait waits and takes over, two runs ending together
  # (singletons, and 2 ranks each),
  # a run of the old plan ending while another grows the campaign.
  set(bench_app_test_iterations ${bench_app_short_iterations})
  bench_app_test(reference_short reference.sh 0)
  bench_app_test(shared_exit shared_exit.sh 0 ${DCKPT_TEST_TMP}/bench_app.reference_short)
  unset(bench_app_test_iterations)
  set_tests_properties(bench_app.reference_short PROPERTIES
    FIXTURES_SETUP bench_app_reference_short)
  set_tests_properties(bench_app.shared_2 bench_app.shared_4 PROPERTIES
    FIXTURES_REQUIRED bench_app_reference TIMEOUT 600)
  set_tests_properties(bench_app.shared_exit PROPERTIES
    FIXTURES_REQUIRED bench_app_reference_short TIMEOUT 600)

  # --container FILE.h5 [--prune]: packed, verified, pruned, results from the
  # container, growth unpacking first; the prune killed at every step.
  bench_app_test(container_np1 container.sh 1)
  bench_app_test(container_np2 container.sh 2)
  bench_app_test(container_np4 container.sh 4)

  # Growth (--add-trials, --add-iterations) equal to fresh campaigns.
  bench_app_test(grow grow.sh 2)
  # Bad configurations and options: exit 2, the file and the key named.
  bench_app_test(config config.sh 0)
endif()
