# Source layout: every tracked C file matches .clang-format. The check needs
# the clang-format of Debian 12 (14.x; other versions lay some constructs out
# differently), which scripts/install-deps.sh installs.
find_program(DCKPT_CLANG_FORMAT NAMES clang-format-14 clang-format)
if(DCKPT_CLANG_FORMAT)
  add_test(NAME lint.format
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lint/format.sh ${DCKPT_CLANG_FORMAT}
      ${PROJECT_SOURCE_DIR})
  set_tests_properties(lint.format PROPERTIES LABELS lint)
else()
  message(STATUS "clang-format not found: the lint.format test is skipped")
endif()

# Every file-changing system call of the library goes through src/io/, where
# the power-loss tests record it.
add_test(NAME lint.io_syscalls
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lint/syscalls.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.io_syscalls PROPERTIES LABELS lint)

# The floors: no layer includes one above it, and no two files of util/, io/,
# format/ or store/ call each other in a loop (from the compiled objects).
add_test(NAME lint.layers
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/lint/layers.py
    ${PROJECT_SOURCE_DIR}/src util,io,format,store $<TARGET_OBJECTS:dckpt_obj>
  COMMAND_EXPAND_LISTS)
set_tests_properties(lint.layers PROPERTIES LABELS lint)

# Every registered test is named area.case, its area one of the list in
# tests/CMakeLists.txt (or example, tsan), so that ctest -R '^store\.' selects
# exactly one area.
add_test(NAME lint.test_names
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lint/test_names.sh ${CMAKE_CTEST_COMMAND}
    ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.test_names PROPERTIES LABELS lint)

# The headers are the manual: every public declaration has its doc comment,
# and every one that returns a status names the statuses (issue 11).
add_test(NAME lint.api_docs
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/lint/api_docs.py
    ${PROJECT_SOURCE_DIR}/include/dckpt.h ${PROJECT_SOURCE_DIR}/include/dckpt_run.h
    ${PROJECT_SOURCE_DIR}/include/dckpt_experimental.h)
set_tests_properties(lint.api_docs PROPERTIES LABELS lint)

# No shell script pipes into grep -q: under pipefail the writer's SIGPIPE
# fails the pipeline although the text was found.
add_test(NAME lint.pipe_quiet
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/lint/pipe_quiet.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(lint.pipe_quiet PROPERTIES LABELS lint)
