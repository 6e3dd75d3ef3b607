# Tests of dckpt_opt, the numerical core of dckpt-bench (apps/bench/opt):
# one executable and one CTest entry per module.
if(TARGET dckpt_opt)
  foreach(module network problem metrics algorithms checkpoint)
    dckpt_add_test_exe(test_opt_${module} SOURCES test_opt_${module}.c)
    target_link_libraries(test_opt_${module} PRIVATE dckpt_opt)
    add_test(NAME opt.${module} COMMAND test_opt_${module})
  endforeach()
  set_tests_properties(opt.algorithms PROPERTIES TIMEOUT 300)
endif()
