# The lock (src/io/lock.c; docs/design.md, "Lock"): the primitive's cases on
# plain paths, a churn of holders, and races of many processes (forked, and
# real mpiexec runs of the campaign program) on fresh directories and stale
# locks. tests/lock/race.c prints its seed; DCKPT_LOCK_SEED replays one and
# DCKPT_LOCK_RACES sets the number of races (a long run).
dckpt_add_test_exe(test_lock INTERNAL SOURCES lock/test_lock.c)
foreach(case fresh stale remote unreadable orphan sweep mountinfo churn)
  add_test(NAME lock.${case} COMMAND test_lock ${case})
endforeach()
# What a lock file says about its holder and the verdict on it (io/lock_facts.c).
dckpt_add_test_exe(test_lock_facts INTERNAL SOURCES lock/test_lock_facts.c)
add_test(NAME lock.facts COMMAND test_lock_facts)

# A file system without fcntl locks (ENOLCK, as NFS without a lock manager),
# emulated by a preloaded fcntl. Built without sanitizers: it is preloaded
# ahead of their runtimes.
add_library(dckpt_nolocks MODULE lock/nolocks.c)
target_link_libraries(dckpt_nolocks PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(dckpt_nolocks PROPERTIES COMPILE_OPTIONS "" LINK_OPTIONS "")
set(DCKPT_NOLOCKS_ENV
  "LD_PRELOAD=$<TARGET_FILE:dckpt_nolocks>;ASAN_OPTIONS=verify_asan_link_order=0")
add_test(NAME lock.nolocks COMMAND test_lock nolocks)

add_executable(lock_race lock/race.c)
target_link_libraries(lock_race PRIVATE dckpt dckpt_warnings)
add_test(NAME lock.race
  COMMAND lock_race --races 200 --work ${DCKPT_TEST_TMP}/lock.race)
# Without fcntl locks only a fresh directory is raced for: a stale lock is
# taken by a break only (the emulation covers that in lock.nolocks).
add_test(NAME lock.race_nolocks
  COMMAND lock_race --races 60 --fresh-only --work ${DCKPT_TEST_TMP}/lock.race_nolocks)
set_tests_properties(lock.nolocks lock.race_nolocks PROPERTIES
  ENVIRONMENT "${DCKPT_NOLOCKS_ENV}")
add_test(NAME lock.race_mpi
  COMMAND lock_race --races 4 --max 3 --np-max 2 --mpiexec ${MPIEXEC_EXECUTABLE}
    --campaign $<TARGET_FILE:campaign> --work ${DCKPT_TEST_TMP}/lock.race_mpi)
set_tests_properties(lock.race_mpi PROPERTIES ENVIRONMENT "${DCKPT_MPI_ENV}"
  PROCESSORS 2 TIMEOUT 600)
set_tests_properties(lock.race lock.race_nolocks lock.churn PROPERTIES TIMEOUT 600)

# Leases (io/lock.h, dckpt_lease_claim; docs/design.md, "Leases"): the cases,
# and races of claimants on fresh leases, dead holders, holders whose job is
# gone or whose renewal is too old, interrupted take-overs and live remote
# holders; again without fcntl locks, where the tickets alone decide.
dckpt_add_test_exe(test_lease INTERNAL SOURCES lock/test_lease.c)
foreach(case basic policy lost ticket restart)
  add_test(NAME lock.lease_${case} COMMAND test_lease ${case})
endforeach()
dckpt_add_test_exe(lease_race INTERNAL SOURCES lock/lease_race.c)
add_test(NAME lock.lease_race
  COMMAND lease_race --races 200 --work ${DCKPT_TEST_TMP}/lock.lease_race)
add_test(NAME lock.lease_race_nolocks
  COMMAND lease_race --races 100 --work ${DCKPT_TEST_TMP}/lock.lease_race_nolocks)
add_test(NAME lock.lease_nolocks COMMAND test_lease ticket)
set_tests_properties(lock.lease_race_nolocks lock.lease_nolocks PROPERTIES
  ENVIRONMENT "${DCKPT_NOLOCKS_ENV}")
set_tests_properties(lock.lease_race lock.lease_race_nolocks PROPERTIES TIMEOUT 600)
