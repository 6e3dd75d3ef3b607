#!/usr/bin/env bash
# Under ThreadSanitizer (scripts/test.sh, build with -DDCKPT_TSAN=ON): the
# campaign program as a singleton with a checkpoint after every iteration,
# so that the background writer is always busy, is stopped by SIGTERM
# part-way and resumed to the end. Any TSan report fails the test.
# usage: tests/tsan_writer.sh CAMPAIGN_BINARY WORK_DIR
set -euo pipefail
bin=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
export TSAN_OPTIONS="suppressions=$here/tsan-mpi.supp ignore_noninstrumented_modules=1 report_signal_unsafe=0 exitcode=66"
rm -rf "$work"
mkdir -p "$work"
dir=$work/run
"$bin" "$dir" --step 1 --keep 2 --sleep-us 20000 >"$work/first.log" 2>&1 &
pid=$!
# stopped once a trial has checkpointed (the writer is busy from then on):
# the signal handlers are in place by then
for _ in $(seq 1200); do
  compgen -G "$dir/algorithm_*/trial_*/progress.json" >/dev/null || ! kill -0 "$pid" 2>/dev/null && break
  sleep 0.05
done
kill -TERM "$pid"
set +e
wait "$pid"
code=$?
set -e
cat "$work/first.log"
[ "$code" = 75 ] || { echo "FAIL: the stopped run exited $code, wanted 75"; exit 1; }
"$bin" "$dir" --step 1 --keep 2 >"$work/second.log" 2>&1 ||
  { cat "$work/second.log"; echo "FAIL: the resumed run failed"; exit 1; }
cat "$work/second.log"
if grep -q "ThreadSanitizer" "$work/first.log" "$work/second.log"; then
  echo "FAIL: ThreadSanitizer reports"
  exit 1
fi
echo "tsan_writer.sh: all passed"
