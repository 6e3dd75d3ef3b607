# The installed package works for another project: find_package(dckpt) and
# pkg-config, with only the API exported from the shared library.
# In sanitizer builds the consumers must carry the same runtime as the library.
set(dckpt_consumer_flags "")
if(DCKPT_SANITIZE)
  set(dckpt_consumer_flags "-fsanitize=address,undefined")
endif()
add_test(NAME install.consumer
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install/install.sh ${PROJECT_BINARY_DIR}
    ${PROJECT_SOURCE_DIR} ${DCKPT_TEST_TMP}/install "${dckpt_consumer_flags}")
# dckpt-bench starts MPI even for --version: under LeakSanitizer it needs the
# MPI tests' environment (Open MPI's memory kept until exit is suppressed).
set_tests_properties(install.consumer PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE
  ENVIRONMENT "${DCKPT_MPI_ENV}")
