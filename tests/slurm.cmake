# Slurm: the --deadline parser (a plain unit test) and scenarios against a
# real single-node Slurm cluster that tests/slurm/cluster.sh starts once per
# ctest run (fixture slurm_cluster) and stops at the end, even after failures.
# The scenario tests skip (77) only when Slurm cannot be started here (not
# root, packages not installable); the fixture's start test says why.
# Run them alone with: ctest -L slurm
dckpt_add_test_exe(test_deadline SOURCES slurm/test_deadline.c)
target_link_libraries(test_deadline PRIVATE dckpt_appcommon)
add_test(NAME slurm.deadline_parse COMMAND test_deadline)
set_tests_properties(slurm.deadline_parse PROPERTIES LABELS "slurm;unit" TIMEOUT 30)
dckpt_add_test_exe(test_job_state SOURCES slurm/test_job_state.c)
target_link_libraries(test_job_state PRIVATE dckpt_appcommon)
add_test(NAME slurm.job_state_map COMMAND test_job_state)
set_tests_properties(slurm.job_state_map PROPERTIES LABELS "slurm;unit" TIMEOUT 30)
# the job script's own options next to PROGRAM ARGS: outside Slurm, no cluster
add_test(NAME slurm.job_args
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/job_args.sh
          ${PROJECT_SOURCE_DIR}/slurm/dckpt-job.sbatch ${DCKPT_TEST_TMP}/slurm.job_args)
set_tests_properties(slurm.job_args PROPERTIES LABELS "slurm;unit" TIMEOUT 60)

# One cluster directory per build tree (the normal and the ASan pass of
# scripts/test.sh each start and stop their own), short because sockets live
# below it.
string(MD5 dckpt_slurm_hash "${PROJECT_BINARY_DIR}")
string(SUBSTRING "${dckpt_slurm_hash}" 0 8 dckpt_slurm_hash)
set(DCKPT_SLURM_BASE "/tmp/dckpt-slurm-${dckpt_slurm_hash}")
set(dckpt_slurm_env "DCKPT_SLURM_BASE=${DCKPT_SLURM_BASE}"
    "SLURM_CONF=${DCKPT_SLURM_BASE}/etc/slurm.conf" ${DCKPT_MPI_ENV})
set(dckpt_slurm_dir ${CMAKE_CURRENT_SOURCE_DIR}/slurm)

add_test(NAME slurm.cluster_start COMMAND bash ${dckpt_slurm_dir}/cluster.sh start)
add_test(NAME slurm.cluster_stop COMMAND bash ${dckpt_slurm_dir}/cluster.sh stop)
set_tests_properties(slurm.cluster_start PROPERTIES FIXTURES_SETUP slurm_cluster TIMEOUT 300)
set_tests_properties(slurm.cluster_stop PROPERTIES FIXTURES_CLEANUP slurm_cluster TIMEOUT 120)

# dckpt_slurm_test(NAME SCRIPT TIMEOUT [EXTRA ARGS...]): SCRIPT CAMPAIGN WORK [EXTRA...]
function(dckpt_slurm_test name script timeout)
  add_test(NAME ${name}
    COMMAND bash ${dckpt_slurm_dir}/${script} $<TARGET_FILE:campaign>
      ${DCKPT_TEST_TMP}/${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED slurm_cluster TIMEOUT ${timeout})
endfunction()
dckpt_slurm_test(slurm.deadline_lookup lookup.sh 60 $<TARGET_FILE:test_deadline>)
dckpt_slurm_test(slurm.deadline_requeue deadline.sh 200)
dckpt_slurm_test(slurm.scontrol_requeue requeue.sh 120)
dckpt_slurm_test(slurm.preempt_requeue preempt.sh 120)
dckpt_slurm_test(slurm.submit_chain chain.sh 300)
dckpt_slurm_test(slurm.no_requeue guards.sh 120)
dckpt_slurm_test(slurm.array_requeue array.sh 300)
dckpt_slurm_test(slurm.lease_job_gone jobstate.sh 500 $<TARGET_FILE:test_job_state>)

foreach(t slurm.cluster_start slurm.cluster_stop slurm.deadline_lookup slurm.deadline_requeue
          slurm.scontrol_requeue slurm.preempt_requeue slurm.submit_chain slurm.no_requeue
          slurm.array_requeue slurm.lease_job_gone)
  set_tests_properties(${t} PROPERTIES RESOURCE_LOCK slurm LABELS slurm SKIP_RETURN_CODE 77
    ENVIRONMENT "${dckpt_slurm_env}")
endforeach()
# The scenarios test the batch scripts and Slurm's requeue around programs
# whose stop, deadline and resume paths the mpi.* tests run under the
# sanitizers too: scripts/test.sh runs them in its strict pass only (label
# strict_only); the deadline lookup, C code that only Slurm reaches, runs in
# every pass.
set_property(TEST slurm.deadline_requeue slurm.scontrol_requeue slurm.preempt_requeue
  slurm.submit_chain slurm.no_requeue slurm.array_requeue slurm.lease_job_gone
  APPEND PROPERTY LABELS strict_only)
