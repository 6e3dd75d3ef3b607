# shellcheck shell=bash
# Sourced by the test scripts that stop a run by signalling its launcher
# (mpirun): on SIGTERM or SIGINT mpirun sends its ranks SIGCONT and SIGTERM,
# then waits odls_base_sigkill_timeout seconds, twice, before SIGKILL. Open
# MPI's 1 s can be too short on a loaded machine for the ranks to write their
# stop checkpoints; these tests give 3 s. (The other tests keep 1 s: it is
# also what a job whose rank died waits before it ends, in every kill test.)
export OMPI_MCA_odls_base_sigkill_timeout=3
