# Unit tests of src/util (white-box: linked against the internal twin).
dckpt_add_test_exe(test_util INTERNAL SOURCES test_util.c)
foreach(case err errno_map json json_diff log rng mem thread worker worker_kept utf8)
  add_test(NAME util.${case} COMMAND test_util ${case})
endforeach()
