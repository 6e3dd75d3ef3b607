add_library(dckpt_testutil STATIC testutil.c)
target_include_directories(dckpt_testutil PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(dckpt_testutil PUBLIC dckpt PRIVATE dckpt_warnings)
target_compile_definitions(dckpt_testutil PRIVATE DCKPT_TEST_TMP="${DCKPT_TEST_TMP}")

dckpt_add_test_exe(test_store SOURCES test_store.c)
target_link_libraries(test_store PRIVATE dckpt_testutil)
add_test(NAME store.api COMMAND test_store)

dckpt_add_test_exe(test_store_badinput SOURCES test_store_badinput.c)
target_link_libraries(test_store_badinput PRIVATE dckpt_testutil)
add_test(NAME store.bad_input COMMAND test_store_badinput)
# 77: a case could not run on this machine (no tmpfs mount without root): the
# test shows as skipped, and scripts/test.sh lists it instead of counting a pass.
set_tests_properties(store.bad_input PROPERTIES SKIP_RETURN_CODE 77)

dckpt_add_test_exe(test_store_identity SOURCES test_store_identity.c)
target_link_libraries(test_store_identity PRIVATE dckpt_testutil)
add_test(NAME store.identity COMMAND test_store_identity)

dckpt_add_test_exe(test_rundir SOURCES test_rundir.c)
target_link_libraries(test_rundir PRIVATE dckpt_testutil)
# the library's UTF-8 check (hidden in libdckpt), to check what it wrote
target_sources(test_rundir PRIVATE ${PROJECT_SOURCE_DIR}/src/util/utf8.c)
target_include_directories(test_rundir PRIVATE ${PROJECT_SOURCE_DIR}/src)
add_test(NAME store.rundir COMMAND test_rundir)

dckpt_add_test_exe(test_store_index SOURCES test_store_index.c)
target_link_libraries(test_store_index PRIVATE dckpt_testutil)
add_test(NAME store.index COMMAND test_store_index)
