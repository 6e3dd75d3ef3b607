# libFuzzer targets, built only with -DDCKPT_FUZZ=ON and clang. The whole
# project is then configured with CC=clang and -DDCKPT_SANITIZE=ON, so the
# library the targets link has the same sanitizers; here it also gets
# coverage instrumentation, and the targets the fuzzer's runtime and main.
# Run one, e.g.:
#   ./build-fuzz/tests/fuzz_record -max_total_time=60 fuzz/corpus_record
if(DCKPT_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DCKPT_FUZZ needs clang (configure with CC=clang)")
  endif()

  # Coverage feedback needs the library's code instrumented, not just the
  # target's: without it the fuzzer mutates blind.
  target_compile_options(dckpt_obj PRIVATE -fsanitize=fuzzer-no-link)

  function(dckpt_add_fuzzer name source)
    add_executable(${name} ${PROJECT_SOURCE_DIR}/fuzz/${source})
    target_link_libraries(${name} PRIVATE dckpt_internal dckpt_warnings)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  endfunction()

  dckpt_add_fuzzer(fuzz_record fuzz_record.c)
  dckpt_add_fuzzer(fuzz_store_json fuzz_store_json.c)
  add_custom_target(fuzz_targets DEPENDS fuzz_record fuzz_store_json)
  # A short smoke run over the seed corpus, so that ctest catches a target
  # that crashes on known inputs.
  add_test(NAME fuzz.record_smoke
    COMMAND fuzz_record -runs=2000 -seed=1 ${PROJECT_SOURCE_DIR}/fuzz/corpus_record)
  add_test(NAME fuzz.store_json_smoke
    COMMAND fuzz_store_json -runs=2000 -seed=1 ${PROJECT_SOURCE_DIR}/fuzz/corpus_store_json)
endif()
