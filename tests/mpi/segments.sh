#!/usr/bin/env bash
# Metric history in segments (metrics_segment_bytes): checkpoints list the
# segments that hold the older metric rows and carry only the rows since.
# Metrics every iteration, 2 metrics (24 bytes a row), checkpoint every 5
# iterations, --segment-bytes 200: a segment is cut at every second
# checkpoint (10 rows), so checkpoints list segments and carry a tail.
#  1. With segments (saves in the background and synchronous), with none
#     (--segment-bytes 0) and on 2 ranks, the campaign ends bit-identical to
#     a run without periodic checkpoints; complete trials keep no segment.
#  2. Killed (SIGKILL) right after a segment is committed and before the
#     checkpoint that lists it: verify finds nothing wrong, and resume is
#     bit-identical.
#  3. Killed at a known step (synchronous saves, so the checkpoints on disk
#     are known): the newest checkpoint lists 2 segments. A corrupt segment 1,
#     or another run's segment 1 in its place: verify reports it, resume falls
#     back to the older checkpoint (a warning says why) and ends
#     bit-identical. Segment 0 gone: no checkpoint is usable, the trial starts
#     over, bit-identical. (A sound segment with another digest: test_store.c.)
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
loud=(--iters 40,30,20 --trials 3 --period 1 --no-fsync)
common=("${loud[@]}" --quiet)
seg=(--step 5 --keep 2 --segment-bytes 200)

expect 0 run 0 "$WORK/ref" "${common[@]}" --step 100000 --dump "$WORK/ref.txt"

segments_in() { find "$1" -name 'metrics_*.dckpt' | wc -l; }

for mode in background sync; do
  note "1. segments, saves $mode: bit-identical, none left in complete trials"
  extra=()
  [ "$mode" = sync ] && extra=(--sync-checkpoints)
  expect 0 run 0 "$WORK/seg-$mode" "${common[@]}" "${seg[@]}" "${extra[@]}" \
    --dump "$WORK/seg-$mode.txt"
  same "$WORK/ref.txt" "$WORK/seg-$mode.txt"
  [ "$(segments_in "$WORK/seg-$mode")" = 0 ] || fail "$mode: segments left in complete trials"
done
note "1. no segments (--segment-bytes 0), and segments on 2 ranks: bit-identical"
expect 0 run 0 "$WORK/noseg" "${common[@]}" --step 5 --segment-bytes 0 --dump "$WORK/noseg.txt"
same "$WORK/ref.txt" "$WORK/noseg.txt"
expect 0 run 2 "$WORK/seg-np2" "${common[@]}" "${seg[@]}" --dump "$WORK/seg-np2.txt"
same "$WORK/ref.txt" "$WORK/seg-np2.txt"

for mode in background sync; do
  note "2. SIGKILL between segment 3 and the checkpoint that lists it, saves $mode"
  extra=()
  [ "$mode" = sync ] && extra=(--sync-checkpoints)
  dir="$WORK/between-$mode"
  expect 137 run 0 "$dir" "${common[@]}" "${seg[@]}" "${extra[@]}" \
    --kill-at-step segment.done:3
  [ "$(segments_in "$dir")" -ge 1 ] || fail "$mode: no segment on disk after the kill"
  expect 0 run 0 "$dir" --verify
  expect 0 run 0 "$dir" "${common[@]}" "${seg[@]}" --dump "$WORK/between-$mode.txt"
  same "$WORK/ref.txt" "$WORK/between-$mode.txt"
  expect 0 run 0 "$dir" --verify
done

# killed DIR: algorithm 1 ("mix", 30 iterations) trial 1 killed at step 23:
# checkpoints 14 (segment 0 + 5 rows) and 19 (segments 0 and 1) remain
tdir() { echo "$1/algorithm_1/trial_1"; }
killed() {
  expect 137 run 0 "$1" "${common[@]}" "${seg[@]}" --sync-checkpoints --kill-at 1:1:23
  local d
  d=$(tdir "$1")
  [ -f "$d/checkpoint_0000019.dckpt" ] && [ -f "$d/checkpoint_0000014.dckpt" ] \
    && [ -f "$d/metrics_000000.dckpt" ] && [ -f "$d/metrics_000001.dckpt" ] \
    || { ls -l "$d" >&2; fail "unexpected files after the kill at step 23"; }
}

# resumed DIR NAME WARNING: verify complains, the resume warns and ends bit-identical
resumed() {
  expect 1 run 0 "$1" --verify
  grep -q "metrics_00000" "$WORK/last.log" \
    || { cat "$WORK/last.log"; fail "$2: verify does not name the segment"; }
  expect 0 run 0 "$1" "${loud[@]}" "${seg[@]}" --dump "$WORK/$2.txt"
  grep -q "$3" "$WORK/last.log" || { cat "$WORK/last.log"; fail "$2: no warning '$3'"; }
  same "$WORK/ref.txt" "$WORK/$2.txt"
  expect 0 run 0 "$1" --verify
}

note "3a. a corrupt segment 1: fall back to checkpoint 14"
killed "$WORK/corrupt"
f="$(tdir "$WORK/corrupt")/metrics_000001.dckpt"
printf '\xff' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 20)) conv=notrunc status=none
resumed "$WORK/corrupt" corrupt "checkpoint 19 is unusable.*falling back"

note "3b. segment 1 of another trial in its place: fall back to checkpoint 14"
killed "$WORK/planted"
# segment 1 of the same trial of another run of the same campaign (another run id)
killed "$WORK/other"
cp "$(tdir "$WORK/other")/metrics_000001.dckpt" "$(tdir "$WORK/planted")/metrics_000001.dckpt"
resumed "$WORK/planted" planted "belongs elsewhere"

note "3c. segment 0 gone: no checkpoint is usable, the trial starts over"
killed "$WORK/gone"
rm "$(tdir "$WORK/gone")/metrics_000000.dckpt"
resumed "$WORK/gone" gone "the trial starts over"
echo "segments.sh: all passed"
