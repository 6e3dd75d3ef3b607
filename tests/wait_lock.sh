# wait_lock DIR PID: waits until the run PID holds DIR's lock (dckpt.lock); the
# runtime installs its signal handlers before it takes the lock, so a stop
# request sent after this is honoured, never fatal. Returns 1 when PID ended
# first (nothing left to stop). Needs fail() from the sourcing script.
wait_lock() {
  for _ in $(seq 1000); do
    [ -e "$1/dckpt.lock" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.02
  done
  fail "the run on $1 took no lock in 20 s"
}
