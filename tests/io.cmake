# Unit tests of src/io (white-box: linked against the internal twin).
dckpt_add_test_exe(test_io INTERNAL SOURCES test_io.c)
foreach(case path walk fs atomic json_file reaper reaper_process reaper_fork)
  add_test(NAME io.${case} COMMAND test_io ${case})
endforeach()

# The public streaming writer (dckpt_file_writer_*; black-box, with a writer
# killed mid-stream and after its commit).
dckpt_add_test_exe(test_file_writer SOURCES test_file_writer.c)
target_link_libraries(test_file_writer PRIVATE dckpt_testutil)
add_test(NAME io.file_writer COMMAND test_file_writer)

# The power-loss model (io/trace.c, io/crashfs*.c), linked against the traced
# twin of the library.
dckpt_add_test_exe(test_crashfs TRACE SOURCES test_crashfs.c)
foreach(case record outside unsynced_file atomic_replace unnamed names fsync_file torn kill
    syncfs unseen unseen_rename)
  add_test(NAME io.crashfs_${case} COMMAND test_crashfs ${case})
endforeach()
