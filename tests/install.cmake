# The installed package works for another project: find_package(dckpt) and
# pkg-config, with only the API exported from the shared library.
add_test(NAME install_consumer
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install/install.sh ${PROJECT_BINARY_DIR}
    ${PROJECT_SOURCE_DIR} ${DCKPT_TEST_TMP}/install)
set_tests_properties(install_consumer PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
