# The conventions of the public API (include/dckpt.h, "Conventions"):
# error detail kept by the object called, option structs read by
# struct_size, experimental hooks, the names of 0.2 and the deprecated ones.
dckpt_add_test_exe(test_api SOURCES test_api.c)
target_link_libraries(test_api PRIVATE dckpt_testutil)
# util/struct_size.h (header-only): how a later release reads these structs.
target_include_directories(test_api PRIVATE ${PROJECT_SOURCE_DIR}/src)
foreach(group error_detail options names run_status named_runs halt_path)
  add_test(NAME api.${group} COMMAND test_api ${group})
endforeach()

# Every deprecated function still works (removed in 0.3): compiled without
# the deprecation warnings that any other caller gets as errors.
dckpt_add_test_exe(test_api_deprecated SOURCES test_api_deprecated.c)
target_link_libraries(test_api_deprecated PRIVATE dckpt_testutil)
target_compile_options(test_api_deprecated PRIVATE -Wno-deprecated-declarations)
add_test(NAME api.deprecated COMMAND test_api_deprecated)

# Every option struct's member table (store/option_members.h,
# runtime/option_members.h, container/option_members.h) covers its struct: a
# member appended to a public struct without its entry would never be read
# from the caller.
dckpt_add_test_exe(test_option_tables SOURCES test_option_tables.c)
target_link_libraries(test_option_tables PRIVATE dckpt_run)
target_include_directories(test_option_tables PRIVATE ${PROJECT_SOURCE_DIR}/src)
add_test(NAME api.option_tables COMMAND test_option_tables)

# A program that unloads the library with dlclose() is left with no thread
# of it (format/scratch.c and util/mem.c free what they keep for the process
# in destructors). Built without linking the library, which it dlopen()s.
add_executable(test_unload test_unload.c)
add_dependencies(test_unload dckpt)
target_include_directories(test_unload PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
  $<TARGET_PROPERTY:dckpt,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(test_unload PRIVATE dckpt_warnings ${CMAKE_DL_LIBS})
target_compile_definitions(test_unload PRIVATE DCKPT_TEST_TMP="${DCKPT_TEST_TMP}")
add_test(NAME api.unload COMMAND test_unload $<TARGET_FILE:dckpt>)
