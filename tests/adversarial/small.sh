#!/usr/bin/env bash
# Small things done wrong: a FIFO (or a directory) where a record or a JSON
# file is expected is refused without blocking; a read-only file system and
# a path through a regular file are named as what they are; --mode resume on
# a missing directory creates nothing.
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup

note "a FIFO given to dckpt dump, and FIFOs in place of run files"
mkfifo "$WORK/fifo"
# (timeout's 124: it blocked)
expect 1 timeout 20 "$CLI" dump "$WORK/fifo"
grep_in "$WORK/last.err" "not a regular file"
d=$(partial fifo)
rm "$(trial "$d" 1 1)/progress.json" && mkfifo "$(trial "$d" 1 1)/progress.json"
# progress.json is a hint: status warns and shows the trial at its newest
# checkpoint file (exit 0), without blocking on the FIFO
expect 0 timeout 60 "$CLI" status "$d"
grep_in "$WORK/last.err" "progress.json is only a hint"
rm "$d/metadata.json" && mkfifo "$d/metadata.json"
expect 1 timeout 60 "$CLI" verify "$d"

note "a path through a regular file: not a directory"
echo x >"$WORK/plain"
expect 1 run "$NP" "$cfg" --checkpoint-dir "$WORK/plain/run"
grep_in "$WORK/last.err" "not a directory"
expect 1 "$CLI" status "$WORK/plain/run"
grep -qi "not a directory" "$WORK/last.err" || { cat "$WORK/last.err"; fail "ENOTDIR not named"; }

note "--mode resume on a missing directory creates nothing"
expect 1 run "$NP" "$cfg" --checkpoint-dir "$WORK/nothing/here" --mode resume
[ ! -e "$WORK/nothing" ] || fail "--mode resume created '$WORK/nothing'"
grep_in "$WORK/last.err" "does not exist"

note "a read-only file system"
mnt=$WORK/ro
mkdir -p "$mnt"
if mount -t tmpfs -o size=16m tmpfs "$mnt" 2>/dev/null; then
  trap 'umount "$mnt" 2>/dev/null || true' EXIT
  cp -a "$(partial ro-src)" "$mnt/run"
  mount -o remount,ro "$mnt"
  expect 1 run "$NP" "$cfg" --checkpoint-dir "$mnt/run"
  grep_in "$WORK/last.err" "read-only file system"
  umount "$mnt"
  trap - EXIT
else
  # Only root mounts a tmpfs: exit 77 after the other cases, so that CTest
  # shows the test as skipped rather than passed.
  echo "SKIP a read-only file system: cannot mount a tmpfs here (needs root)"
  echo "small.sh: the other cases passed"
  exit 77
fi
echo "small.sh: all passed"
