dckpt_add_test_exe(crash_writer SOURCES crash_writer.c)
target_link_libraries(crash_writer PRIVATE dckpt_testutil)
dckpt_add_test_exe(test_crash SOURCES test_crash.c)
target_link_libraries(test_crash PRIVATE dckpt_testutil)
add_test(NAME crash.steps COMMAND test_crash $<TARGET_FILE:crash_writer> steps)
add_test(NAME crash.random COMMAND test_crash $<TARGET_FILE:crash_writer> random)
set_tests_properties(crash.steps crash.random PROPERTIES TIMEOUT 600)

# The completion index: a kill before every step of its commits, compactions
# and of a growth that takes pairs out of it.
dckpt_add_test_exe(crash_index_writer SOURCES crash_index_writer.c)
target_link_libraries(crash_index_writer PRIVATE dckpt_testutil)
dckpt_add_test_exe(test_crash_index SOURCES test_crash_index.c)
target_link_libraries(test_crash_index PRIVATE dckpt_testutil)
add_test(NAME crash.index_steps COMMAND test_crash_index $<TARGET_FILE:crash_index_writer>)
set_tests_properties(crash.index_steps PROPERTIES TIMEOUT 600)
