# The HDF5 zstd filter (src/container/h5zstd.c): in-process tests, a parallel
# write on 2 ranks, and the plugin module read by h5dump and h5py.
# Under LeakSanitizer, GCC 12's tracer walks a dynamic-TLS block of HDF5 +
# Open MPI singleton processes at a garbage address and crashes ("Tracer caught
# signal 11", "DTLS ... at 0x...bd8"); not tracking dynamic TLS avoids it, and
# the leak check itself stays on.
dckpt_mpi_env(DCKPT_H5ZSTD_ENV intercept_tls_get_addr=0)
add_executable(test_h5zstd test_h5zstd.c)
target_include_directories(test_h5zstd PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_h5zstd PRIVATE dckpt_h5zstd dckpt_warnings m)
target_compile_definitions(test_h5zstd PRIVATE DCKPT_TEST_TMP="${DCKPT_TEST_TMP}")
foreach(group roundtrip frame corrupt corrupt_unsized level replace)
  add_test(NAME container.h5zstd_${group} COMMAND test_h5zstd ${group})
  set_tests_properties(container.h5zstd_${group} PROPERTIES ENVIRONMENT "${DCKPT_H5ZSTD_ENV}")
endforeach()
add_test(NAME container.h5zstd_parallel_np2
  COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${MPIEXEC_PREFLAGS}
    $<TARGET_FILE:test_h5zstd> parallel ${MPIEXEC_POSTFLAGS})
set_tests_properties(container.h5zstd_parallel_np2 PROPERTIES PROCESSORS 2
  ENVIRONMENT "${DCKPT_H5ZSTD_ENV}")
add_test(NAME container.h5zstd_plugin
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/container/plugin.sh $<TARGET_FILE:test_h5zstd>
    ${DCKPT_HDF5_PLUGIN_DIR} ${DCKPT_TEST_TMP}/h5zstd-plugin)
set_tests_properties(container.h5zstd_plugin PROPERTIES ENVIRONMENT "${DCKPT_H5ZSTD_ENV}")

# ---- the container: pack, unpack, read in place (tests/container/) ----
add_executable(container_fixture container/make_run.c)
target_include_directories(container_fixture PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(container_fixture PRIVATE dckpt dckpt_warnings m)
add_executable(container_store_view container/store_view.c)
target_include_directories(container_store_view PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(container_store_view PRIVATE dckpt_container dckpt_warnings)
add_executable(container_hold_shared container/hold_shared.c)
target_link_libraries(container_hold_shared PRIVATE dckpt dckpt_warnings)
add_executable(container_crash_pack container/crash_pack.c)
target_link_libraries(container_crash_pack PRIVATE dckpt_container dckpt_warnings)
# struct_size of dckpt_pack_options and dckpt_unpack_options (one rank, no mpirun)
add_executable(container_options container/options.c)
target_include_directories(container_options PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(container_options PRIVATE dckpt_container dckpt_warnings)
add_test(NAME container.options
  COMMAND container_options ${DCKPT_TEST_TMP}/container.options)
set_tests_properties(container.options PROPERTIES ENVIRONMENT "${DCKPT_H5ZSTD_ENV}")

# container_test.sh CASE NP: one CTest entry per case and rank count
set(DCKPT_CONTAINER_TEST ${CMAKE_CURRENT_SOURCE_DIR}/container/container_test.sh)
function(dckpt_container_case name np)
  add_test(NAME container.${name}
    COMMAND bash ${DCKPT_CONTAINER_TEST} ${name} ${np}
      "${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG}" $<TARGET_FILE:dckpt-cli>
      $<TARGET_FILE:container_fixture> $<TARGET_FILE:container_crash_pack>
      $<TARGET_FILE:campaign> ${DCKPT_HDF5_PLUGIN_DIR} ${PROJECT_SOURCE_DIR}
      ${DCKPT_TEST_TMP}/container.${name})
  set_tests_properties(container.${name} PROPERTIES PROCESSORS ${np} TIMEOUT 600
    ENVIRONMENT "${DCKPT_H5ZSTD_ENV}")
endfunction()
foreach(np 1 2 4)
  dckpt_container_case(roundtrip_np${np} ${np})
  dckpt_container_case(resume_np${np} ${np})
endforeach()
dckpt_container_case(few_trials_np4 4)
dckpt_container_case(final_only_np2 2)
dckpt_container_case(hint 1)
dckpt_container_case(kill_np2 2)
dckpt_container_case(enospc_np2 2)
dckpt_container_case(enospc_np4 4)
dckpt_container_case(corrupt 1)
dckpt_container_case(hostile 1)
dckpt_container_case(foreign 1)
dckpt_container_case(level 1)
dckpt_container_case(legacy_name 1)
dckpt_container_case(legacy_header 1)
dckpt_container_case(unpack_place 1)
dckpt_container_case(store_view 1)
dckpt_container_case(segments_np2 2)
dckpt_container_case(shared 1)
dckpt_container_case(h5py 2)
dckpt_container_case(h5dump 1)
