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
