# Record format tests (src/format). One executable, one CTest entry per group.
dckpt_add_test_exe(test_format INTERNAL SOURCES test_format.c)
foreach(group record codec file large corrupt golden identity cli)
  add_test(NAME format.${group} COMMAND test_format ${group})
endforeach()
set_tests_properties(format.large PROPERTIES TIMEOUT 300)

# Writes the golden files of the current format version; built so that it
# keeps compiling, run only by hand (see tests/gen_golden.c).
dckpt_add_test_exe(gen_golden INTERNAL SOURCES gen_golden.c)
