# The adversarial suite (tests/adversarial/*.sh): what a demanding user or an
# adversary does to a campaign — files moved to where they do not belong,
# damaged markers, a changed configuration, sizes beyond the limits, stop
# signals at any moment from launch, FIFOs, read-only file systems, random
# damage — each case ending bit-identical to an uninterrupted run or in a
# clear refusal. `ctest -R '^adversarial\.'`; ADV_SEED=N replays the random
# choices, ADV_ROUNDS / ADV_SIGNAL_ROUNDS make the random cases longer. Exit
# 77 (shown as skipped): a case could not run here (a tmpfs needs root).
if(TARGET dckpt-bench AND TARGET dckpt-cli AND TARGET bench_final_digest)
  # Under a sanitizer everything runs 2-3x slower: fewer random rounds.
  set(adversarial_env "")
  if(DCKPT_SANITIZE OR DCKPT_TSAN)
    set(adversarial_env "ADV_ROUNDS=5;ADV_SIGNAL_ROUNDS=6;ADV_LONG_ITERATIONS=20000")
  endif()
  function(adversarial_test name np)
    add_test(NAME adversarial.${name}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/adversarial/${name}.sh ${np}
        $<TARGET_FILE:dckpt-bench> $<TARGET_FILE:dckpt-cli>
        $<TARGET_FILE:bench_final_digest> $<TARGET_FILE:bench_png_check>
        ${DCKPT_TEST_TMP}/adversarial.${name})
    set(procs ${np})
    if(procs GREATER 2 OR procs LESS 1)
      set(procs 2)
    endif()
    set_tests_properties(adversarial.${name} PROPERTIES LABELS adversarial TIMEOUT 600
      PROCESSORS ${procs} SKIP_RETURN_CODE 77
      ENVIRONMENT "${DCKPT_MPI_ENV};LSAN_OPTIONS=suppressions=${bench_app_supp}:print_suppressions=0;BENCH_APP_MPIEXEC=${MPIEXEC_EXECUTABLE};BENCH_APP_NPFLAG=${MPIEXEC_NUMPROC_FLAG};BENCH_APP_PREFLAGS=${bench_app_preflags};${adversarial_env}")
  endfunction()
  adversarial_test(swap 2)
  adversarial_test(markers 2)
  adversarial_test(config 2)
  adversarial_test(limits 0)
  adversarial_test(small 0)
  adversarial_test(signals 2)
  adversarial_test(random 0)
endif()
