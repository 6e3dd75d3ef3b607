# Unit tests of src/io (white-box: linked against the internal twin).
dckpt_add_test_exe(test_io INTERNAL SOURCES test_io.c)
foreach(case path walk fs atomic json_file reaper)
  add_test(NAME io.${case} COMMAND test_io ${case})
endforeach()
