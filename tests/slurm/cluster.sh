#!/usr/bin/env bash
# A real single-node Slurm cluster for the tests: its own munged, slurmctld and
# slurmd, as root, without systemd or cgroups, everything under one directory.
#
#   cluster.sh start    install what is missing, start, wait until the node is idle
#   cluster.sh stop     cancel and drain the queue, shut down, kill leftovers
#   cluster.sh status   sinfo and squeue
#
# Clients need SLURM_CONF=$DCKPT_SLURM_BASE/etc/slurm.conf (start prints it).
# Environment:
#   DCKPT_SLURM_BASE    directory of the cluster (default /tmp/dckpt-slurm); keep
#                       it short: sockets live below it
#   DCKPT_SLURM_CPUS    CPUs the node advertises (default: the real count, at
#                       least 4: the array test runs 4 one-rank tasks at once; more than
#                       the real count oversubscribes)
#
# Exit status of start: 0 running, 77 Slurm cannot be started on this machine
# (not root, packages missing and not installable; the reason is printed and
# written to $BASE/skip), 1 it should have started but did not (logs printed).
# Of stop: 0 stopped clean (or nothing to stop), 77 start was skipped, 1 jobs
# would not drain or a process survived SIGKILL.
#
# Tuned for tests: credentials expire after 5 s and the scheduler runs every
# 1-2 s, so that a requeued job runs again after ~7 s instead of ~2 min.
# KillWait is Slurm's default, 30 s: after its SIGTERM, mpirun waits
# odls_base_sigkill_timeout (3 s in the Slurm tests, tests/mpi_grace.sh) twice before it
# exits, and a job script killed by a shorter KillWait never logged how the
# run ended (slurm.scontrol_requeue under ASan+UBSan with KillWait=5). The munged is private (own key and socket under BASE: no
# interference with a system munged); so are the ports (the first free pair
# from 6817), the state and the TmpFS, all wiped at start: job ids restart at 1
# and a stale PMIx directory of an earlier cluster would break srun.
set -euo pipefail

BASE=${DCKPT_SLURM_BASE:-/tmp/dckpt-slurm}
CONF=$BASE/etc/slurm.conf
export SLURM_CONF=$CONF
PACKAGES=(slurmctld slurmd slurm-client munge)

log() { echo "[cluster] $*" >&2; }

# skip REASON: Slurm cannot run here; the tests report it and skip.
skip() {
  mkdir -p "$BASE"
  echo "$*" >"$BASE/skip"
  log "SKIP: $*"
  exit 77
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_installed() {
  local missing=() cmd
  for cmd in slurmctld slurmd sbatch munged; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
  done
  [ ${#missing[@]} = 0 ] && return 0
  [ "$(id -u)" = 0 ] || skip "not root and ${missing[*]} not installed"
  command -v apt-get >/dev/null || skip "${missing[*]} not installed and no apt-get"
  log "installing ${PACKAGES[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${PACKAGES[@]}" >"$BASE/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$BASE/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${PACKAGES[@]}" >>"$BASE/apt.log" 2>&1 ||
      skip "cannot install ${PACKAGES[*]} (see $BASE/apt.log)"
  fi
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_ports() {
  local p
  for p in $(seq 6817 10 7017); do
    if port_free "$p" && port_free "$((p + 1))"; then
      CTLD_PORT=$p SLURMD_PORT=$((p + 1))
      return 0
    fi
  done
  log "no free port pair in 6817..7018"
  return 1
}

write_conf() {
  local hw cpus mem want extra=""
  hw=$(slurmd -C | head -1)
  cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  want=${DCKPT_SLURM_CPUS:-$((cpus < 4 ? 4 : cpus))} # 2 ranks, or 4 array tasks at once
  [ "$want" -gt "$cpus" ] && extra="SlurmdParameters=config_overrides"
  cat >"$CONF" <<CONF
# Written by tests/slurm/cluster.sh; rewritten at every start.
ClusterName=dckpt
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=cred_expire=5,socket=$BASE/run/munge.socket
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
TmpFS=$BASE/tmp
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=1
MpiDefault=none
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
SlurmctldParameters=preempt_send_user_signal
JobRequeue=1
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.txt
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=30
OverTimeLimit=0
Waittime=0
$extra
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$want RealMemory=$((mem * 9 / 10)) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=REQUEUE GraceTime=10
PartitionName=urgent Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
CONF
}

munge_ok() { munge -S "$BASE/run/munge.socket" -n 2>/dev/null | unmunge -S "$BASE/run/munge.socket" >/dev/null 2>&1; }

start_munge() {
  pid_alive "$BASE/run/munged.pid" && munge_ok && return 0
  if [ ! -s "$BASE/etc/munge.key" ]; then
    dd if=/dev/urandom of="$BASE/etc/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$BASE/etc/munge.key"
  fi
  munged --socket="$BASE/run/munge.socket" --key-file="$BASE/etc/munge.key" \
    --pid-file="$BASE/run/munged.pid" --seed-file="$BASE/run/munged.seed" \
    --log-file="$BASE/log/munged.log"
  for _ in $(seq 50); do munge_ok && return 0; sleep 0.1; done
  log "munged did not answer"
  return 1
}

show_logs() { tail -n 20 "$BASE"/log/*.log >&2 || true; }

do_start() {
  [ -f "$BASE/skip" ] && rm -f "$BASE/skip"
  mkdir -p "$BASE"
  [ "$(id -u)" = 0 ] || skip "the test cluster runs its daemons as root; this is uid $(id -u)"
  ensure_installed
  if pid_alive "$BASE/run/slurmctld.pid"; then
    log "a cluster of an earlier run is still up in $BASE: stopping it first"
    do_stop
  fi
  # A fresh cluster every time: state, spool and TmpFS wiped (slurmctld -c too).
  rm -rf "$BASE/state" "$BASE/spool" "$BASE/tmp" "$BASE/log"
  mkdir -p "$BASE"/{etc,state,spool,log,run,tmp}
  chmod 0700 "$BASE/etc"
  chmod 0755 "$BASE/run" # munged wants its socket directory open to all
  pick_ports
  write_conf
  start_munge || { show_logs; return 1; }
  local t0=$SECONDS st=""
  /usr/sbin/slurmctld -c -f "$CONF" || { show_logs; return 1; }
  /usr/sbin/slurmd -f "$CONF" -N "$NODE" || { show_logs; return 1; }
  for _ in $(seq 300); do
    st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case "$st" in
      idle) log "node $NODE idle after $((SECONDS - t0)) s; export SLURM_CONF=$CONF"
            return 0 ;;
    esac
    sleep 0.1
  done
  log "node did not become idle (state '$st')"
  show_logs
  return 1
}

wait_gone() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# stop_pid FILE: TERM the daemon of a pid file (KILL if it lingers); fails
# when it outlives the SIGKILL too.
stop_pid() {
  [ -f "$1" ] || return 0
  local p
  p=$(cat "$1")
  if kill -0 "$p" 2>/dev/null; then
    kill "$p" 2>/dev/null || true
    wait_gone "$p" || { log "pid $p ($1) still alive, SIGKILL"; kill -9 "$p" 2>/dev/null || true; }
    wait_gone "$p" || { log "pid $p ($1) survived SIGKILL"; return 1; }
  fi
  rm -f "$1"
}

# job_leftovers: processes of this cluster's jobs (their environment names our
# SLURM_CONF and a job id), except this script and its ancestors.
job_leftovers() {
  local keep=" $$ " p=$$ e
  while [ "$p" -gt 1 ] && p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2); do
    keep+="$p "
  done
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    case $keep in *" $p "*) continue ;; esac
    if grep -q -z -x -F "SLURM_CONF=$CONF" "$e" 2>/dev/null &&
       grep -q -z '^SLURM_JOB_ID=' "$e" 2>/dev/null; then
      echo "$p"
    fi
  done
}

# do_stop fails (exit 1) when the cluster could not be brought down clean:
# jobs still queued after 60 s of draining, or a process of the cluster or
# of its jobs that survives SIGKILL. The leftovers it kills are logged.
do_stop() {
  if [ -f "$BASE/skip" ]; then
    log "SKIP: the cluster did not start: $(cat "$BASE/skip")"
    exit 77
  fi
  [ -d "$BASE/run" ] || { log "nothing to stop in $BASE"; return 0; }
  local p left="" problems=()
  if pid_alive "$BASE/run/slurmctld.pid"; then
    # Drain first: a job still running at shutdown leaves an orphaned slurmstepd.
    left=$(squeue -h -o %A 2>/dev/null || true)
    if [ -n "$left" ]; then
      log "cancelling jobs ${left//$'\n'/ }"
      # shellcheck disable=SC2086 # one job id per word
      scancel $left 2>/dev/null || true
    fi
    for _ in $(seq 600); do
      left=$(squeue -h -o '%A %T' 2>/dev/null || true)
      [ -z "$left" ] && break
      sleep 0.1
    done
    [ -n "$left" ] && problems+=("jobs still queued after 60 s: ${left//$'\n'/, }")
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  stop_pid "$BASE/run/slurmctld.pid" || problems+=("slurmctld survived SIGKILL")
  stop_pid "$BASE/run/slurmd.pid" || problems+=("slurmd survived SIGKILL")
  # Step daemons of this cluster that outlived slurmd (they ignore SIGTERM),
  # then what is left of its jobs.
  for p in $(pgrep -x slurmstepd || true); do
    if [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$BASE/log" ] ||
       grep -q -z -x -F "SLURM_CONF=$CONF" "/proc/$p/environ" 2>/dev/null; then
      log "killing leftover slurmstepd $p"
      kill -9 "$p" 2>/dev/null || true
    fi
  done
  left=$(job_leftovers)
  if [ -n "$left" ]; then
    log "killing leftover job processes ${left//$'\n'/ }"
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null || true
    for p in $left; do wait_gone "$p" || problems+=("job process $p survived SIGKILL"); done
  fi
  stop_pid "$BASE/run/munged.pid" || problems+=("munged survived SIGKILL")
  if [ ${#problems[@]} -gt 0 ]; then
    log "FAIL: the cluster did not stop clean: $(printf '%s; ' "${problems[@]}")"
    return 1
  fi
  log "stopped"
}

NODE=$(hostname -s)
case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  status) sinfo && squeue ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
