# MPI tests: the campaign program at 1, 2 and 4 ranks through FindMPI's
# MPIEXEC_* variables (oversubscribed on small machines), plus
# crash-then-recover scenarios driven by scripts.
# Open MPI keeps memory until exit; under LeakSanitizer its plugins stay loaded
# (so their frames have names) and tests/lsan-mpi.supp names them. Matching
# those names needs whole allocation stacks, and Debian's Open MPI has no
# frame pointers: only the slow unwinder (fast_unwind_on_malloc=0) finds the
# frames, at the price of a DWARF unwind per malloc of every MPI process,
# which made the MPI tests 2-3x slower under ASan. So the MPI tests run with
# fast unwinding and without leak checks (every other ASan and UBSan check
# stays), except those tests/CMakeLists.txt lists in DCKPT_LEAK_CHECKED: one or
# more per program and path (the runtime, its stop and kill paths, the
# background writer, pack/unpack and their error paths, dckpt-bench, the CLI),
# which run with the slow unwinder and LeakSanitizer.
# dckpt_mpi_env(VAR [ASAN_EXTRA]): that environment in VAR, and in VAR_LEAKS
# its ASAN_OPTIONS with leak checks, each with ASAN_EXTRA (colon-separated
# options) added.
# mpirun's grace between SIGTERM and SIGKILL to the ranks
# (odls_base_sigkill_timeout) stays Open MPI's 1 s here: it is also what a
# job whose rank died waits, twice, before it ends, in every kill test. The
# scripts that stop a run by signalling its launcher (stop.sh, elastic.sh,
# ranks.sh, the bench_app and adversarial signal tests, the Slurm tests) give
# it 3 s themselves (tests/mpi_grace.sh), so that a loaded machine's ranks
# still write their last checkpoint (docs/runtime.md).
function(dckpt_mpi_env var)
  set(asan "detect_leaks=0")
  set(asan_leaks "detect_leaks=1:fast_unwind_on_malloc=0")
  if(ARGC GREATER 1)
    string(APPEND asan ":${ARGV1}")
    string(APPEND asan_leaks ":${ARGV1}")
  endif()
  set(${var} "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;OMPI_MCA_mpi_yield_when_idle=1;OMPI_MCA_mca_base_component_disable_dlclose=1;ASAN_OPTIONS=${asan};LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/lsan-mpi.supp:print_suppressions=0" PARENT_SCOPE)
  set(${var}_LEAKS "ASAN_OPTIONS=${asan_leaks}" PARENT_SCOPE)
endfunction()
dckpt_mpi_env(DCKPT_MPI_ENV)
add_executable(campaign mpi/campaign.c)
target_link_libraries(campaign PRIVATE dckpt_run dckpt_appcommon dckpt_warnings m)

set(DCKPT_MPIRUN ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG})
foreach(np 1 2 4)
  add_test(NAME mpi.campaign_np${np}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/basic.sh
      "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${MPIEXEC_PREFLAGS}"
      $<TARGET_FILE:campaign> ${DCKPT_TEST_TMP}/mpi-basic-${np})
  set_tests_properties(mpi.campaign_np${np} PROPERTIES PROCESSORS ${np} TIMEOUT 300)
endforeach()

# Only in a ThreadSanitizer build (scripts/test.sh): the background writer
# under TSan, stopped and resumed (tests/tsan_writer.sh).
if(DCKPT_TSAN)
  add_test(NAME tsan.writer
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tsan_writer.sh $<TARGET_FILE:campaign>
      ${DCKPT_TEST_TMP}/tsan-writer)
  set_tests_properties(tsan.writer PROPERTIES TIMEOUT 300)
endif()

get_property(dckpt_all_tests DIRECTORY PROPERTY TESTS)
foreach(t ${dckpt_all_tests})
  if(t MATCHES "^mpi\\.")
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${DCKPT_MPI_ENV})
  endif()
endforeach()

# Crash-then-recover and resume scenarios (scripts drive real processes).
function(dckpt_mpi_script name script np)
  add_test(NAME ${name}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/${script}
      "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${MPIEXEC_PREFLAGS}"
      $<TARGET_FILE:campaign> ${DCKPT_TEST_TMP}/${name})
  set_tests_properties(${name} PROPERTIES PROCESSORS ${np} TIMEOUT 600
    ENVIRONMENT "${DCKPT_MPI_ENV}")
endfunction()
dckpt_mpi_script(mpi.stop_np1 stop.sh 1)
dckpt_mpi_script(mpi.stop_np2 stop.sh 2)
dckpt_mpi_script(mpi.elastic_kill_resume elastic.sh 4)
dckpt_mpi_script(mpi.resume_growth_np1 resume.sh 1)
dckpt_mpi_script(mpi.resume_growth_np2 resume.sh 2)

# The same scenarios with rank 0 as the pair dispenser instead of the RMA counter.
dckpt_mpi_script(mpi.campaign_dispenser_np4 basic.sh 4)
dckpt_mpi_script(mpi.stop_dispenser_np2 stop.sh 2)
set_property(TEST mpi.campaign_dispenser_np4 mpi.stop_dispenser_np2 APPEND PROPERTY
  ENVIRONMENT "CAMPAIGN_ARGS=--dispenser")
dckpt_mpi_script(mpi.progress_backup_np2 progress.sh 2)
# ... with MPI_THREAD_MULTIPLE: rank 0's service thread looks for HALT too.
dckpt_mpi_script(mpi.stop_thread_np2 stop.sh 2)
set_property(TEST mpi.stop_thread_np2 APPEND PROPERTY
  ENVIRONMENT "CAMPAIGN_ARGS=--thread-multiple")
# More ranks than cores (8 and 16 on 2): few and many pairs, every scheduler,
# rank 0's service thread, no shared memory (tcp, osc pt2pt), a stop and a
# resume on another rank count, the completion index read back.
foreach(np 8 16)
  add_test(NAME mpi.ranks_np${np}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/ranks.sh
      "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${MPIEXEC_PREFLAGS}"
      $<TARGET_FILE:campaign> ${DCKPT_TEST_TMP}/mpi.ranks_np${np} $<TARGET_FILE:dckpt-cli>)
  set_tests_properties(mpi.ranks_np${np} PROPERTIES PROCESSORS 2 TIMEOUT 1200
    ENVIRONMENT "${DCKPT_MPI_ENV}")
endforeach()
# The completion index inside dckpt_run: rank 0 killed before steps of its
# commits, resumes, runs without an index, growth.
add_test(NAME mpi.index_np2
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/index.sh
    "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${MPIEXEC_PREFLAGS}"
    $<TARGET_FILE:campaign> ${DCKPT_TEST_TMP}/mpi.index_np2 $<TARGET_FILE:dckpt-cli>)
set_tests_properties(mpi.index_np2 PROPERTIES PROCESSORS 2 TIMEOUT 1200
  ENVIRONMENT "${DCKPT_MPI_ENV}")
# Shared runs: the completion index of two runs with one killed mid-commit
# (random steps, seed printed); a pair held from another host taken over only
# once its renewal is older than the timeout.
add_test(NAME mpi.shared_runs
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/shared.sh
    "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 1 ${MPIEXEC_PREFLAGS}"
    $<TARGET_FILE:campaign> ${DCKPT_TEST_TMP}/mpi.shared_runs $<TARGET_FILE:dckpt-cli>)
set_tests_properties(mpi.shared_runs PROPERTIES PROCESSORS 2 TIMEOUT 600
  ENVIRONMENT "${DCKPT_MPI_ENV}")
# The background checkpoint writer against synchronous saves: same checkpoints,
# same failure reports, kill -9 with a checkpoint after every iteration.
dckpt_mpi_script(mpi.writer_np2 writer.sh 2)
# Checkpoints by time (checkpoint_interval) on a clock the test controls:
# where they fall, what a SIGKILL loses, bit-identical resume.
dckpt_mpi_script(mpi.checkpoint_interval interval.sh 1)
# Metric history in segments: bit-identical resume, a SIGKILL between a
# segment and its checkpoint, fallback from unusable segments, verify.
dckpt_mpi_script(mpi.metric_segments segments.sh 2)

# dckpt_run_barrier: the ranks that wait for a late rank 0 sleep (at 2 and 4
# ranks on this machine's cores, oversubscribed as the suite runs them).
add_executable(quiet_barrier mpi/quiet_barrier.c)
target_link_libraries(quiet_barrier PRIVATE dckpt_run dckpt_warnings)
foreach(np 2 4)
  add_test(NAME mpi.quiet_barrier_np${np}
    COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${MPIEXEC_PREFLAGS}
      $<TARGET_FILE:quiet_barrier> ${MPIEXEC_POSTFLAGS}
      ${DCKPT_TEST_TMP}/mpi.quiet_barrier_np${np})
  set_tests_properties(mpi.quiet_barrier_np${np} PROPERTIES PROCESSORS 2 TIMEOUT 300
    ENVIRONMENT "${DCKPT_MPI_ENV}")
endforeach()
