# Power-loss tests (issue 14): each operation that commits something, traced
# through the library's traced twin and recovered from at every crash state
# the persistence model allows (tests/powerloss/; docs/operations.md, "Power
# loss"). DCKPT_POWERLOSS_STATES / _KILL_STATES / _SEED make a long run.
add_library(dckpt_testutil_trace STATIC testutil.c)
target_include_directories(dckpt_testutil_trace PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(dckpt_testutil_trace PUBLIC dckpt_trace PRIVATE dckpt_warnings)
target_compile_definitions(dckpt_testutil_trace PRIVATE DCKPT_TEST_TMP="${DCKPT_TEST_TMP}")

dckpt_add_test_exe(test_powerloss TRACE SOURCES powerloss/main.c powerloss/pl_explore.c
  powerloss/pl_recover.c powerloss/pl_fixture.c powerloss/pl_scenarios.c)
target_link_libraries(test_powerloss PRIVATE dckpt_testutil_trace dckpt_container_trace
  LibArchive::LibArchive) # pl_recover.c reads the backups back
# Symbols bound at start, so that the thousands of forked recoveries do not
# each resolve them again.
target_link_options(test_powerloss PRIVATE -Wl,-z,now)
# The default budget (what ctest runs; the environment overrides it): small
# enough for the whole suite to stay well under two minutes on two cores,
# smaller under sanitizers, which run each recovery several times slower.
if(DCKPT_SANITIZE OR DCKPT_TSAN)
  target_compile_definitions(test_powerloss PRIVATE DCKPT_POWERLOSS_STATES=25
    DCKPT_POWERLOSS_KILLS=4 DCKPT_POWERLOSS_KILL_STATES=3)
else()
  target_compile_definitions(test_powerloss PRIVATE DCKPT_POWERLOSS_STATES=60
    DCKPT_POWERLOSS_KILLS=12 DCKPT_POWERLOSS_KILL_STATES=3)
endif()

# The backup has no durability option (it always syncs) and a second run
# after a kill makes a second archive: durability full only.
set(modes_backup full)
# pack and unpack start MPI (one rank, singleton) in a child per call: the
# MPI tests' environment (tests/mpi.cmake's dckpt_mpi_env, defined after this
# file is read), and HDF5 + Open MPI singletons need LeakSanitizer not to
# track dynamic TLS (as in tests/container.cmake).
set(env_pack "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;OMPI_MCA_mpi_yield_when_idle=1;OMPI_MCA_mca_base_component_disable_dlclose=1;ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:intercept_tls_get_addr=0;LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan-mpi.supp:print_suppressions=0")
set(env_unpack "${env_pack}")
foreach(op initialize save_first save rotate rotate_back fallback trial mark_complete
    mark_saved result append_metadata extend save_metrics run_status index index_extend
    backup pack unpack segment segment_complete)
  # powerloss.OP: durability full; powerloss.OP_none: durability none;
  # powerloss.OP_after_kill: the power lost while rerunning a killed OP.
  set(modes full none after_kill)
  if(DEFINED modes_${op})
    set(modes ${modes_${op}})
  endif()
  foreach(mode ${modes})
    set(name powerloss.${op}_${mode})
    if(mode STREQUAL "full")
      set(name powerloss.${op})
    endif()
    add_test(NAME ${name} COMMAND test_powerloss ${op} ${mode})
    set_tests_properties(${name} PROPERTIES LABELS powerloss TIMEOUT 600)
    if(DEFINED env_${op})
      set_tests_properties(${name} PROPERTIES ENVIRONMENT "${env_${op}}")
    endif()
  endforeach()
endforeach()
