# Black-box tests of the dckpt command-line tool (apps/dckpt): a fixture
# program builds a real checkpoint directory through the public API, then
# tests/cli/cli_test.sh runs one case per CTest entry against the binary.
if(TARGET dckpt-cli)
  dckpt_add_test_exe(cli_fixture SOURCES cli/make_fixture.c)
  set(DCKPT_CLI_CASES
    help usage status status_json status_lock status_named verify_clean verify_hint verify_corrupt
    dump dump_json json_bytes backup clear clear_tty lock_live break_lock size ls metadata
    handoff pack_options ls_pack)
  foreach(c ${DCKPT_CLI_CASES})
    add_test(NAME cli.${c}
      COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh ${c}
              $<TARGET_FILE:dckpt-cli> $<TARGET_FILE:cli_fixture>
              ${DCKPT_TEST_TMP}/cli.${c})
    set_tests_properties(cli.${c} PROPERTIES LABELS cli TIMEOUT 120)
  endforeach()
  # cli.handoff starts dckpt-h5, which starts MPI and HDF5 for 'pack --help':
  # under LeakSanitizer it needs the container tests' environment
  # (16 MPI start-ups: more time than the other cases on a loaded machine)
  set_tests_properties(cli.handoff cli.pack_options cli.ls_pack PROPERTIES
    ENVIRONMENT "${DCKPT_H5ZSTD_ENV}" TIMEOUT 300)
  # cli.ls_pack reads a container with examples/read_container.py (h5py)
  set_property(TEST cli.ls_pack APPEND PROPERTY
    ENVIRONMENT "HDF5_PLUGIN_PATH=${DCKPT_HDF5_PLUGIN_DIR}")
endif()
