#!/usr/bin/env bash
# The HDF5 container end to end, one CTest entry per case (tests/container.cmake):
#
#   container_test.sh CASE NP "MPIEXEC -n" DCKPT FIXTURE CRASH_PACK CAMPAIGN
#                     PLUGIN_DIR SOURCE_DIR WORK
#
# CASE is the CTest name without "container." (a trailing _npN is the rank
# count, also given as NP). Every case can fail: each check compares real
# output, exit codes and files. Random choices print their seed; set
# CONTAINER_SEED to replay one.
set -u
CASE=$1 NP=$2 MPIEXEC=$3 DCKPT=$4 FIXTURE=$5 CRASH=$6 CAMPAIGN=$7 PLUGINS=$8 SRC=$9
WORK=${10}
PY=/usr/bin/python3
export NO_COLOR=1 HDF5_PLUGIN_PATH=$PLUGINS # for h5py and h5dump (dckpt needs none)
# a tmpfs left mounted by a killed run of the ENOSPC case
while mountpoint -q "$WORK/data/small" 2>/dev/null; do umount -l "$WORK/data/small"; done
rm -rf "$WORK" && mkdir -p "$WORK/data"
OUT=$WORK/out.txt ERR=$WORK/err.txt
W=$WORK/data # everything the cases make; the logs stay outside it

fail() {
  echo "FAIL [$CASE]: $*" >&2
  for f in "$OUT" "$ERR"; do [ -s "$f" ] && { echo "--- $(basename "$f"):" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
note() { echo "-- $*"; }

# mpi N CMD...: CMD on N ranks
mpi() { local n=$1; shift; $MPIEXEC "$n" "$@"; }
# expect CODE CMD...: CMD's exit status must be CODE; output in $OUT, $ERR
expect() {
  local want=$1; shift
  "$@" >"$OUT" 2>"$ERR" </dev/null
  local got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, wanted $want"
}
has() { grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks: $2"; }
# fingerprint DIR: names, sizes, modification times and contents of everything
# under DIR, to show that nothing there changed
fingerprint() {
  (cd "$1" && find . -mindepth 1 -printf '%p %y %s %T@\n' | sort &&
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
# same_tree A B: the two directories hold the same files, byte for byte
# (temporaries aside)
same_tree() {
  diff -r -x '.dckpt-tmp.*' "$1" "$2" >"$WORK/diff.txt" 2>&1 || {
    head -20 "$WORK/diff.txt" >&2; fail "$1 and $2 differ"; }
}
listing() { "$DCKPT" ls "$1" | sort; }

fixture() { "$FIXTURE" "$@" >"$OUT" 2>"$ERR" || fail "fixture $*"; }

# ---- pack, read in place, unpack ----

roundtrip() { # ALGS TRIALS NP
  local run=$W/run$1x$2 c=$W/c$1x$2.h5 back=$W/back$1x$2
  fixture "$run" "$1" "$2"
  local before; before=$(fingerprint "$run")
  note "pack $1 x $2 trials on $3 rank(s)"
  expect 0 mpi "$3" "$DCKPT" pack "$run" "$c"
  has "$OUT" "packed $run into $c"
  [ "$(fingerprint "$run")" = "$before" ] || fail "pack changed $run"
  expect 0 "$DCKPT" verify "$c"
  has "$OUT" "clean, no problems found"
  note "the container lists the directory's files"
  diff <(listing "$run") <(listing "$c") >&2 || fail "ls differs"
  note "unpack on $3 rank(s): the same bytes"
  expect 0 mpi "$3" "$DCKPT" unpack "$c" "$back"
  same_tree "$run" "$back"
  note "unpack reports the bytes it wrote, as 'dckpt size' counts them"
  local said; said=$(sed -n 's/.* files, \(.*\) in [0-9.]* s$/\1/p' "$OUT")
  expect 0 "$DCKPT" size "$back"
  [ "$said" = "$(cut -f1 "$OUT")" ] || fail "unpack said '$said', dckpt size says '$(cut -f1 "$OUT")'"
  expect 0 "$DCKPT" verify "$back"
}

# every array of the first complete trial's checkpoints and of the problem
# record reads the same from the directory and from the container
same_values() { # RUN CONTAINER RECORD...
  local run=$1 c=$2; shift 2
  for rec in "$@"; do
    expect 0 "$DCKPT" dump "$run/$rec" --json
    cp "$OUT" "$WORK/dir.json"
    for name in $("$PY" -c 'import json,sys; print(" ".join(a["name"] for a in json.load(open(sys.argv[1]))["arrays"]))' "$WORK/dir.json"); do
      "$DCKPT" dump "$run/$rec" --array "$name" --json >"$WORK/a.json" || fail "dump $rec $name"
      "$DCKPT" dump "$c" "$rec" --array "$name" --json >"$WORK/b.json" || fail "dump $c $rec $name"
      "$PY" - "$WORK/a.json" "$WORK/b.json" <<'PY' || fail "$rec: array $name differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["array"] == b["array"], (a["array"], b["array"])
assert a["header"] == b["header"]
assert [x["name"] for x in a["arrays"]] == [x["name"] for x in b["arrays"]]
PY
    done
  done
}

case_roundtrip() {
  roundtrip 3 5 "$NP" # more trials than ranks
  same_values "$W/run3x5" "$W/c3x5.h5" algorithm_0/trial_0/checkpoint_0000019.dckpt \
    algorithm_1/trial_2/checkpoint_0000014.dckpt benchmark_problem.dckpt \
    metric_computation.dckpt
  note "a second pack replaces the file; unpack refuses a directory that is not empty"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/back3x5" "$W/c3x5.h5" --level 5 --chunk 8K
  expect 0 "$DCKPT" verify "$W/c3x5.h5"
  local before; before=$(fingerprint "$W/back3x5")
  expect 1 mpi "$NP" "$DCKPT" unpack "$W/c3x5.h5" "$W/back3x5"
  has "$ERR" "is not an empty directory"
  [ "$(fingerprint "$W/back3x5")" = "$before" ] || fail "a refused unpack changed DIR"
  note "a directory that a live run holds is refused, and packed with --ignore-lock"
  local held; held=$(fingerprint "$W/run3x5")
  expect 1 "$PY" "$SRC/tests/container/hold_lock.py" "$DCKPT" "$W/run3x5" -- \
    $MPIEXEC "$NP" "$DCKPT" pack "$W/run3x5" "$W/held.h5"
  has "$ERR" "is held by a run"
  has "$ERR" "(ELOCKED)"
  [ ! -e "$W/held.h5" ] || fail "a refused pack wrote held.h5"
  expect 0 "$PY" "$SRC/tests/container/hold_lock.py" "$DCKPT" "$W/run3x5" -- \
    $MPIEXEC "$NP" "$DCKPT" pack "$W/run3x5" "$W/held.h5" --ignore-lock --verify
  [ "$(fingerprint "$W/run3x5")" = "$held" ] || fail "packing a held directory changed it"
  note "level 0 (no filter) and a tiny write buffer (many rounds)"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/run3x5" "$W/raw.h5" --level 0 --buffer 4K --chunk 4K
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/raw.h5" "$W/raw"
  same_tree "$W/run3x5" "$W/raw"
  note "nothing is left behind beside the files"
  ! ls -a "$W" | grep '^\.dckpt-tmp' >/dev/null || fail "a temporary was left in $WORK"
}

case_few_trials() {
  roundtrip 1 2 "$NP" # fewer trials than ranks: ranks with nothing to write
  roundtrip 2 1 "$NP"
  roundtrip 1 1 "$NP"
}

case_final_only() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 4
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$c" --final-only
  expect 0 "$DCKPT" verify "$c"
  expect 0 mpi "$NP" "$DCKPT" unpack "$c" "$W/back"
  for t in "$run"/algorithm_*/trial_*; do
    local rel=${t#"$run"/} newest
    newest=$(ls "$t" | grep '^checkpoint_' | sort | tail -n 1)
    [ "$(ls "$W/back/$rel" | grep -c '^checkpoint_')" = 1 ] || fail "$rel: not one checkpoint"
    cmp "$t/$newest" "$W/back/$rel/$newest" || fail "$rel: newest checkpoint differs"
    cmp "$t/progress.json" "$W/back/$rel/progress.json" || fail "$rel: progress differs"
  done
  expect 0 "$DCKPT" verify "$W/back"
}

# progress.json is an unflushed hint (docs/design.md, "Commit protocol"): after
# a power loss it may be garbage or name an older checkpoint than the newest.
# Pack takes it as it is, the container verifies with warnings (exit 0), and
# --final-only keeps the checkpoint a resume would load.
case_hint() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 3
  local garbled=$run/algorithm_0/trial_1 behind=$run/algorithm_1/trial_0
  note "garbage in a trial in progress and a complete one; a hint behind the newest"
  printf '\0\0\0\0' >"$garbled/progress.json"
  echo garbage >"$run/algorithm_0/trial_0/progress.json"
  sed -i 's/"last_completed_iteration":14,/"last_completed_iteration":9,/' \
    "$behind/progress.json"
  grep -q '"last_completed_iteration":9,' "$behind/progress.json" || fail "sed: no hint"
  expect 0 "$DCKPT" verify "$run"
  has "$OUT" "warning:"
  note "packed as it is; the container verifies with warnings, unpacks byte for byte"
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$c"
  expect 0 "$DCKPT" verify "$c"
  has "$OUT" "$c/algorithm_0/trial_1/progress.json: warning: "
  has "$OUT" "$c/algorithm_0/trial_0/progress.json: warning: "
  has "$OUT" "clean, no problems found (2 warnings: nothing committed is lost)"
  expect 0 "$DCKPT" verify "$c" --json
  has "$OUT" '"n_warn": 2'
  expect 0 mpi "$NP" "$DCKPT" unpack "$c" "$W/back"
  same_tree "$run" "$W/back"
  note "--final-only: the newest checkpoint for garbage, the named one for a hint behind"
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$W/f.h5" --final-only
  has "$ERR" "packing the newest checkpoint, where a resume starts"
  expect 0 "$DCKPT" verify "$W/f.h5"
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/f.h5" "$W/fin"
  [ "$(ls "$W/fin/algorithm_0/trial_1" | grep '^checkpoint_')" = checkpoint_0000014.dckpt ] ||
    fail "garbled hint: not the newest checkpoint kept"
  [ "$(ls "$W/fin/algorithm_1/trial_0" | grep '^checkpoint_')" = checkpoint_0000009.dckpt ] ||
    fail "hint behind: not the checkpoint it names kept"
  cmp "$behind/checkpoint_0000009.dckpt" "$W/fin/algorithm_1/trial_0/checkpoint_0000009.dckpt" ||
    fail "hint behind: checkpoint differs"
  note "a complete.json naming a missing checkpoint is still refused"
  rm "$run/algorithm_0/trial_0/checkpoint_0000019.dckpt"
  expect 1 mpi "$NP" "$DCKPT" pack "$run" "$W/g.h5" --final-only
  has "$ERR" "complete.json names iteration 19, whose checkpoint is missing"
  [ ! -e "$W/g.h5" ] || fail "a refused pack wrote g.h5"
}

# ---- the same results as never having packed ----

case_resume() {
  local base=(--trials 3 --iters 30,20,10 --step 5 --quiet)
  note "reference: a campaign grown by 2 trials and 10 iterations, never packed"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/ref" "${base[@]}"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/ref" --add-trials 2 --add-iterations 10 --quiet \
    --dump "$W/ref.txt"
  note "the same campaign packed, removed, unpacked, then grown"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/run" "${base[@]}"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/run" "$W/c.h5"
  rm -rf "$W/run"
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/c.h5" "$W/run"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/run" --add-trials 2 --add-iterations 10 --quiet \
    --dump "$W/run.txt"
  cmp "$W/ref.txt" "$W/run.txt" || fail "the grown campaign differs from never packed"
  note "the same from a --final-only pack"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/fin" "${base[@]}"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/fin" "$W/f.h5" --final-only
  rm -rf "$W/fin"
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/f.h5" "$W/fin"
  expect 0 mpi "$NP" "$CAMPAIGN" "$W/fin" --add-trials 2 --add-iterations 10 --quiet \
    --dump "$W/fin.txt"
  cmp "$W/ref.txt" "$W/fin.txt" || fail "grown after --final-only differs"
}

# Metric segments (container format 2): a campaign killed with segments on
# disk (tests/mpi/segments.sh's schedule) packs them, unpacks them byte for
# byte, verifies clean, and resumes bit-identical to never having packed.
case_segments() {
  local loud=(--iters 40,30,20 --trials 3 --period 1 --no-fsync --quiet)
  local seg=(--step 5 --keep 2 --segment-bytes 200)
  expect 0 "$CAMPAIGN" "$W/ref" "${loud[@]}" --step 100000 --dump "$W/ref.txt"
  note "killed at algorithm 1, trial 1, step 23: two segments on disk"
  expect 137 "$CAMPAIGN" "$W/run" "${loud[@]}" "${seg[@]}" --sync-checkpoints \
    --kill-at 1:1:23
  local t=algorithm_1/trial_1
  [ -f "$W/run/$t/metrics_000001.dckpt" ] || fail "no segment after the kill"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/run" "$W/c.h5"
  [ ! -s "$ERR" ] || ! grep -q "leaving out" "$ERR" || fail "pack left files out"
  expect 0 "$DCKPT" verify "$W/c.h5"
  expect 0 "$DCKPT" ls -l "$W/c.h5" "$t"
  has "$OUT" "$t/metrics_000000.dckpt"
  has "$OUT" "segment"
  note "unpacked on $NP rank(s): the segments byte for byte, nothing missing"
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/c.h5" "$W/back"
  for s in metrics_000000.dckpt metrics_000001.dckpt; do
    cmp "$W/run/$t/$s" "$W/back/$t/$s" || fail "$s differs after unpack"
  done
  expect 0 "$CAMPAIGN" "$W/back" --verify
  note "resumed from the unpacked directory: bit-identical, no fallback"
  "$CAMPAIGN" "$W/back" "${loud[@]}" "${seg[@]}" --dump "$W/back.txt" >"$OUT" 2>"$ERR" ||
    fail "resume of the unpacked directory"
  ! grep -q "unusable\|starts over\|is missing" "$ERR" || fail "the resume fell back"
  cmp "$W/ref.txt" "$W/back.txt" || fail "resumed after pack/unpack differs"
  note "and from --final-only: the newest checkpoint keeps its segments"
  expect 0 mpi "$NP" "$DCKPT" pack "$W/run" "$W/f.h5" --final-only
  expect 0 mpi "$NP" "$DCKPT" unpack "$W/f.h5" "$W/fin"
  expect 0 "$CAMPAIGN" "$W/fin" --verify
}

# A directory that shared runs work on (DIR/leases; they hold no lock between
# set-up and end) is refused, and packed once they are gone.
case_shared() {
  local run=$W/run c=$W/c.h5 old=$W/old.h5 hold
  hold=$(dirname "$FIXTURE")/container_hold_shared
  fixture "$run" 2 3
  expect 0 "$DCKPT" pack "$run" "$old" # to restore from, below
  rm -r "$run/algorithm_0/trial_1" || fail "no trial to prune" # pruned
  rm -f "$W/ready"
  mkfifo "$W/stdin"
  "$hold" "$run" "$W/ready" <"$W/stdin" &
  local pid=$!
  exec 7>"$W/stdin" # holds the shared run until closed
  until [ -e "$W/ready" ] || ! kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  [ -e "$W/ready" ] || fail "the shared run did not register"
  expect 1 "$DCKPT" pack "$run" "$c"
  has "$ERR" "is in use by 1 shared run(s) (pid $pid on host"
  [ ! -e "$c" ] || fail "a refused pack left $c"
  note "unpack --restore is refused too (the same check), and adds nothing"
  local before; before=$(fingerprint "$run")
  expect 1 "$DCKPT" unpack --restore "$old" "$run"
  has "$ERR" "unpack --restore: '$run' is in use by 1 shared run(s) (pid $pid on host"
  has "$ERR" "(ELOCKED)"
  [ "$(fingerprint "$run")" = "$before" ] || fail "a refused restore changed $run"
  exec 7>&-
  wait "$pid" || fail "the shared run failed"
  note "the shared run is gone: packed and restored"
  expect 0 "$DCKPT" pack "$run" "$c"
  expect 0 "$DCKPT" unpack --restore "$old" "$run"
  [ -n "$(ls "$run/algorithm_0/trial_1")" ] || fail "the pruned trial was not restored"
  expect 0 "$DCKPT" verify "$run"
  note "an empty trial directory (made, never written to) is restored too"
  rm -r "$run/algorithm_0/trial_1" && mkdir "$run/algorithm_0/trial_1"
  expect 0 "$DCKPT" unpack --restore "$old" "$run"
  [ -n "$(ls "$run/algorithm_0/trial_1")" ] || fail "the empty trial was not restored"
  expect 0 "$DCKPT" verify "$run"
}

# ---- crashes and full disks leave nothing ----

case_kill() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 5 2000
  local before; before=$(fingerprint "$run")
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$c" # an older container to keep
  local old; old=$(sha256sum <"$c")
  local steps="pack.create:1 pack.round:1 pack.round:3 pack.index:1 pack.close:1
               pack.fsync:1 pack.rename:1"
  for s in $steps; do
    local ranks="0 $((NP - 1))"
    [ "${s%:*}" = pack.rename ] && ranks=0 # only rank 0 renames
    for rank in $ranks; do
      note "SIGKILL on rank $rank before ${s%:*} #${s#*:}"
      mpi "$NP" "$CRASH" "$run" "$c" "${s%:*}" "${s#*:}" "$rank" >"$OUT" 2>"$ERR" </dev/null
      [ $? != 0 ] || fail "the pack was not killed at $s"
      has "$ERR" "killed before ${s%:*}"
      [ "$(sha256sum <"$c")" = "$old" ] || fail "a killed pack changed $c"
      [ "$(fingerprint "$run")" = "$before" ] || fail "a killed pack changed $run"
    done
  done
  note "a killed pack leaves no file where there was none"
  mpi "$NP" "$CRASH" "$run" "$W/new.h5" pack.close 1 0 >"$OUT" 2>"$ERR" </dev/null
  [ ! -e "$W/new.h5" ] || fail "a killed pack left new.h5"
  note "after the rename the new file is whole"
  mpi "$NP" "$CRASH" "$run" "$c" pack.dirsync 1 0 >"$OUT" 2>"$ERR" </dev/null
  expect 0 "$DCKPT" verify "$c"
  note "the next packs remove the temporaries killed packs left"
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$c"
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$W/new.h5"
  ! ls -a "$W" | grep '^\.dckpt-tmp' >/dev/null || fail "temporaries of dead packs remain"
}

case_enospc() {
  local run=$W/run mnt=$W/small
  fixture "$run" 2 4 40000
  mkdir -p "$mnt"
  if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>"$ERR"; then
    echo "cannot mount a tmpfs here: skipped"; exit 77
  fi
  # lazily: a launcher still exiting may hold it. The path is expanded now:
  # mnt is local to this function, gone when the EXIT trap runs.
  # shellcheck disable=SC2064
  trap "umount -l '$mnt'" EXIT
  local before; before=$(fingerprint "$run")
  # three times: where the disk fills up varies, and a failed collective
  # write once made HDF5's close hang (the ctest timeout catches that)
  for round in 1 2 3; do
    note "pack onto a full tmpfs, $round"
    expect 1 mpi "$NP" "$DCKPT" pack "$run" "$mnt/c.h5"
    grep -qE "ENOSPC|No space left" "$ERR" || fail "no word of the full disk"
    [ ! -e "$mnt/c.h5" ] || fail "a failed pack left c.h5"
    [ -z "$(ls -A "$mnt")" ] || { ls -la "$mnt" >&2; fail "a failed pack left files"; }
    [ "$(fingerprint "$run")" = "$before" ] || fail "a failed pack changed $run"
  done
  note "unpack onto the full disk fails and leaves nothing either"
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$W/c.h5"
  expect 1 mpi "$NP" "$DCKPT" unpack "$W/c.h5" "$mnt/back"
  [ -z "$(ls -A "$mnt")" ] || { ls -la "$mnt" >&2; fail "a failed unpack left files"; }
}

# ---- damage ----

case_corrupt() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 6 30000
  expect 0 "$DCKPT" pack "$run" "$c" --chunk 64K
  note "bytes flipped in the chunk of one trial's state"
  "$PY" "$SRC/tests/container/damage.py" flip "$c" \
    algorithm_1/trial_2/checkpoint_0000019.dckpt x >"$WORK/damaged.txt" || fail "damage.py"
  expect 1 "$DCKPT" verify "$c"
  has "$OUT" "algorithm_1/trial_2/checkpoint_0000019.dckpt"
  "$PY" - "$OUT" "$WORK/damaged.txt" <<'PY' || fail "verify names other trials than the damaged"
import sys
out = open(sys.argv[1]).read().splitlines()
hit = set(open(sys.argv[2]).read().split())  # records whose data share the chunk
named = {l.split(": ")[0].split(".h5/", 1)[1] for l in out if ".h5/" in l.split(": ")[0]}
assert named and named <= hit, (named, hit)
PY
  note "the other trials still read"
  expect 0 "$DCKPT" dump "$c" algorithm_0/trial_0/checkpoint_0000019.dckpt --array x --head 3
  expect 1 "$DCKPT" dump "$c" algorithm_1/trial_2/checkpoint_0000019.dckpt
  grep -qE "checksum mismatch|cannot read" "$ERR" || fail "no reason given"
  note "unpack refuses a damaged container and leaves nothing"
  expect 1 "$DCKPT" unpack "$c" "$W/back"
  [ ! -e "$W/back" ] || fail "a refused unpack left the directory"
  note "a damaged index row"
  expect 0 "$DCKPT" pack "$run" "$c"
  "$PY" "$SRC/tests/container/damage.py" row "$c" \
    algorithm_0/trial_1/progress.json || fail "damage.py row"
  expect 1 "$DCKPT" verify "$c"
  has "$OUT" "algorithm_0/trial_1"
  has "$OUT" "checksum does not match"
  expect 0 "$DCKPT" dump "$c" algorithm_0/trial_0/checkpoint_0000019.dckpt --array it
  expect 1 "$DCKPT" dump "$c" algorithm_0/trial_1/checkpoint_0000014.dckpt --array it
}

# The store over a container (dckpt_container_open_store) reads as the store
# over the directory, and dckpt status takes FILE.h5 as it takes DIR.
case_store_view() {
  local view; view=$(dirname "$FIXTURE")/container_store_view
  for shape in "3 5" "3 1"; do
    set -- $shape
    local run=$W/run$1x$2 c=$W/c$1x$2.h5
    fixture "$run" "$1" "$2"
    expect 0 "$DCKPT" pack "$run" "$c"
    note "store calls on $1 x $2 trials, from the directory and the container"
    expect 0 "$view" "$run" "$c"
    has "$OUT" "reads as the store over"
    [ "$2" != 1 ] || has "$OUT" "results: 1 algorithm(s) complete, the same from both"
    for opts in "" "--json" "--deep --trials"; do
      note "dckpt status $opts: the same report but for the path"
      expect 0 "$DCKPT" status $opts "$run"
      sed "s|$run|PATH|" "$OUT" >"$WORK/status_dir.txt"
      expect 0 "$DCKPT" status $opts "$c"
      sed "s|$c|PATH|" "$OUT" >"$WORK/status_c.txt"
      diff "$WORK/status_dir.txt" "$WORK/status_c.txt" >&2 || fail "status $opts differs"
    done
  done
  note "a damaged index row: status shows that trial unreadable, names it, shows the rest"
  "$PY" "$SRC/tests/container/damage.py" row "$c" \
    algorithm_1/trial_0/progress.json || fail "damage.py row"
  expect 1 "$DCKPT" status --trials "$c"
  grep -qE "alg1 +0 +unreadable" "$OUT" || fail "trial 0 of alg1 not shown unreadable"
  grep -qE "alg0 +0 +complete" "$OUT" || fail "the other trials are not shown"
  has "$ERR" "checksum does not match"
  note "a file that is not a container"
  expect 1 "$DCKPT" status "$run/metadata.json"
  has "$ERR" "not a directory or container"
  printf 'not hdf5' >"$W/fake.h5"
  expect 1 "$DCKPT" status "$W/fake.h5"
  has "$ERR" "fake.h5: not a directory or container"
}

case_hostile() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 3
  note "a directory with another trial's checkpoint copied in: pack refuses it"
  note "as it refuses a damaged one (before, it packed it and unpack refused all)"
  local ckpt=algorithm_0/trial_0/checkpoint_0000014.dckpt
  cp "$run/$ckpt" "$W/keep.dckpt"
  cp "$run/algorithm_1/trial_2/checkpoint_0000014.dckpt" "$run/$ckpt"
  expect 1 "$DCKPT" pack "$run" "$c"
  has "$ERR" "$ckpt' belongs elsewhere"
  [ ! -e "$c" ] || fail "a refused pack left $c"
  mv "$W/keep.dckpt" "$run/$ckpt"
  expect 0 "$DCKPT" pack "$run" "$c"
  local outside; outside=$(fingerprint "$W")
  for kind in dotdot absolute slash_in_name other_kind huge_count past_end overlap \
    huge_arrays text_past_end shape_mismatch trial_overlap trial_rows_bomb bad_dtype \
    dup_name attr_trials swap_ident ident_iter ident_none ident_dup orphan_file \
    orphan_trial orphan_array meta_trials meta_algs meta_dup meta_trail dup_path dup_root \
    rec_version rec_version1; do
    local h=$W/h-$kind.h5
    cp "$c" "$h"
    "$PY" "$SRC/tests/container/damage.py" hostile "$h" "$kind" \
      >"$WORK/expect.txt" 2>"$ERR" || fail "damage.py hostile $kind"
    note "hostile: $kind ($(cat "$WORK/expect.txt"))"
    outside=$(fingerprint "$W")
    expect 1 "$DCKPT" unpack "$h" "$W/back-$kind"
    grep -qE -- "$(cat "$WORK/expect.txt")" "$ERR" || fail "$kind: unclear refusal"
    [ ! -e "$W/back-$kind" ] || fail "$kind: the refused unpack left a directory"
    [ "$(fingerprint "$W")" = "$outside" ] || fail "$kind: something was written"
    [ ! -e /tmp/dckpt-hostile-escape ] || fail "$kind: a file escaped to /tmp"
    "$DCKPT" verify "$h" >"$OUT" 2>"$ERR"
    [ $? != 0 ] || fail "$kind: verify found nothing"
    "$DCKPT" ls "$h" >/dev/null 2>&1
    [ $? -le 1 ] || fail "$kind: ls crashed"
  done
  note "metadata.json and the root attributes disagree on the plan: verify names"
  note "both, status refuses to pick one (was: verify clean, a trial vanished)"
  for kind in meta_trials meta_algs; do
    local h=$W/h2-$kind.h5
    cp "$c" "$h"
    "$PY" "$SRC/tests/container/damage.py" hostile "$h" "$kind" >"$WORK/expect.txt" ||
      fail "damage.py hostile $kind"
    expect 1 "$DCKPT" verify "$h"
    has "$OUT" "$(cat "$WORK/expect.txt")"
    "$DCKPT" status "$h" >"$OUT" 2>"$ERR"
    [ $? != 0 ] || fail "$kind: status took one of the two"
    has "$ERR" "$(cat "$WORK/expect.txt")"
  done
  note "metadata.json replaced while the run is packed (the run extended, or another"
  note "run's of the same size): the pack holds metadata.json as rank 0 read it at"
  note "its start, which every rank checks the records against (was: exit 1; or,"
  note "with ranks reading it at different times, exit 0 and a container that"
  note "verify and unpack refuse)"
  local ext=$W/run_ext np kind
  for np in 1 2; do
    for kind in extended other_run; do
      rm -rf "$ext" "$W/ext.h5" "$W/ext_back"
      fixture "$ext" 2 3
      cp "$ext/metadata.json" "$W/meta_orig.json"
      # the same size (a size change is caught as such)
      if [ "$kind" = extended ]; then
        sed 's/"n_trials":3,/"n_trials":4,/' "$ext/metadata.json" >"$W/meta_new.json"
      else
        sed -E 's/"run_id":"[0-9a-f]/"run_id":"x/' "$ext/metadata.json" >"$W/meta_new.json"
      fi
      cmp -s "$ext/metadata.json" "$W/meta_new.json" && fail "meta_new.json is the same"
      cp "$W/meta_new.json" "$W/meta_swap.json" # renamed over it by the hook
      expect 0 mpi "$np" "$CRASH" "$ext" "$W/ext.h5" pack.create 1 $((np - 1)) \
        "$W/meta_swap.json"
      cmp -s "$ext/metadata.json" "$W/meta_new.json" || fail "$kind: not replaced"
      expect 0 "$DCKPT" verify "$W/ext.h5"
      expect 0 "$DCKPT" unpack "$W/ext.h5" "$W/ext_back"
      cmp "$W/meta_orig.json" "$W/ext_back/metadata.json" ||
        fail "$kind on $np rank(s): the container's metadata.json is not the one read first"
    done
  done
}

# Datasets whose elements live outside the container (external links, external
# raw files, virtual datasets) are refused: a container is read from itself
# only. An external link to a FIFO hung every open of the container. So are
# chunks larger than pack writes (64 MiB): HDF5 expands a whole chunk to read
# one element, and a 110 KB file with 2 GiB chunks of zeros made reading one
# scalar cost 4 GB.
case_foreign() {
  local run=$W/run c=$W/c.h5 other=$W/other.h5
  fixture "$run" 2 3
  expect 0 "$DCKPT" pack "$run" "$c"
  cp "$c" "$other"
  for kind in extlink extlink_group softlink external_raw virtual big_chunk; do
    local h=$W/f-$kind.h5 target=$other
    [ "$kind" != external_raw ] || target=$W/f-$kind.raw
    cp "$c" "$h"
    "$PY" "$SRC/tests/container/damage.py" foreign "$h" "$kind" "$target" \
      >"$WORK/expect.txt" 2>"$ERR" || fail "damage.py foreign $kind"
    note "foreign: $kind ($(cat "$WORK/expect.txt"))"
    for cmd in verify ls status; do
      "$DCKPT" "$cmd" "$h" >"$OUT" 2>"$ERR" </dev/null
      local rc=$?
      [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "$kind: dckpt $cmd exited $rc, wanted 1 or 2"
      has "$ERR" "$(cat "$WORK/expect.txt")"
    done
    expect 1 "$DCKPT" unpack "$h" "$W/back-$kind"
    has "$ERR" "$(cat "$WORK/expect.txt")"
    [ ! -e "$W/back-$kind" ] || fail "$kind: the refused unpack left a directory"
  done
}

# A record whose header names a level dckpt cannot write (the field is
# informational: -100, 50) verifies in its directory, so it packs, verifies
# and unpacks: written again at level 1, with the same arrays. Before, the
# level 50 trial was unreadable in the container that pack published, and
# unpack refused the level -100 container without naming the file.
case_level() {
  local run=$W/run c=$W/c.h5 back=$W/back
  fixture "$run" 2 3
  local r1=algorithm_0/trial_0/checkpoint_0000019.dckpt
  local r2=algorithm_1/trial_2/checkpoint_0000014.dckpt
  "$PY" "$SRC/tests/container/damage.py" setlevel "$run/$r1" -100 || fail "setlevel"
  "$PY" "$SRC/tests/container/damage.py" setlevel "$run/$r2" 50 || fail "setlevel"
  expect 0 "$DCKPT" verify "$run"
  expect 0 "$DCKPT" pack "$run" "$c"
  expect 0 "$DCKPT" verify "$c"
  expect 0 "$DCKPT" unpack "$c" "$back"
  expect 0 "$DCKPT" verify "$back"
  for r in $r1 $r2; do
    expect 0 "$DCKPT" dump "$run/$r" --array x
    cp "$OUT" "$WORK/dir.txt"
    expect 0 "$DCKPT" dump "$back/$r" --array x
    cmp -s "$OUT" "$WORK/dir.txt" || fail "$r: other values after unpack"
  done
}

# dump_at SRC REC [ARGS...]: `dckpt dump` of the record REC of SRC (a run
# directory or a container) with ARGS; output in $OUT
dump_at() {
  local src=$1 rec=$2; shift 2
  if [ -d "$src" ]; then
    expect 0 "$DCKPT" dump "$src/$rec" "$@"
  else
    expect 0 "$DCKPT" dump "$src" "$rec" "$@"
  fi
}

# pack_alike RUN C BACK VIEW REC...: a run directory that holds records as
# old writers wrote them (the legacy_* cases). RUN verifies clean; `pack
# --verify` makes the container C of it without changing it; C verifies
# clean, lists the same files and shows each REC as RUN does through VIEW (a
# function: `VIEW SRC REC` prints what is compared, SRC being RUN or C); and
# unpack gives back the same bytes in BACK, which verifies clean.
pack_alike() {
  local run=$1 c=$2 back=$3 view=$4 r i
  shift 4
  note "the directory reads the records (as readers of record files always did)"
  expect 0 "$DCKPT" verify "$run"
  i=0
  for r in "$@"; do
    "$view" "$run" "$r" >"$WORK/dir-$i.txt"
    i=$((i + 1))
  done
  local before; before=$(fingerprint "$run")
  note "pack --verify; the container verifies and reads the records as the directory does"
  expect 0 "$DCKPT" pack "$run" "$c" --verify
  has "$OUT" "packed $run into $c"
  [ "$(fingerprint "$run")" = "$before" ] || fail "pack changed $run"
  expect 0 "$DCKPT" verify "$c"
  has "$OUT" "clean, no problems found"
  diff <(listing "$run") <(listing "$c") >&2 || fail "ls differs"
  i=0
  for r in "$@"; do
    "$view" "$c" "$r" >"$WORK/container.txt"
    cmp -s "$WORK/container.txt" "$WORK/dir-$i.txt" ||
      fail "$r: the container reads otherwise than the directory"
    i=$((i + 1))
  done
  note "unpack writes the same bytes again"
  expect 0 "$DCKPT" unpack "$c" "$back"
  same_tree "$run" "$back"
  expect 0 "$DCKPT" verify "$back"
}

# An array name that is not UTF-8, as writers before 475f4a0 could write it
# (dckpt_record_put refuses one since; readers of record files keep it).
# Before, pack took such a record and exited 0, and then the container's
# reader refused it: 'pack --verify' failed after the container was written,
# and verify, dump and unpack of what pack had accepted failed too. Now the
# container reads back what pack took: verify is clean, dump shows the array
# under its bytes, and unpack gives back the directory bit for bit.
case_legacy_name() {
  local run=$W/run c=$W/c.h5 back=$W/back
  fixture "$run" 2 3
  local r1=algorithm_0/trial_0/checkpoint_0000019.dckpt r2=benchmark_problem.dckpt
  local n1=$'cub\xe9' n2=$'\xff64' # a Latin-1 e-acute; a byte UTF-8 never has
  "$PY" "$SRC/tests/container/damage.py" rename "$run/$r1" cube 'cub\xe9' || fail "rename"
  "$PY" "$SRC/tests/container/damage.py" rename "$run/$r2" f64 '\xff64' || fail "rename"
  # the renamed array of each record
  renamed_array() {
    local name=$n2
    [ "$2" = "$r1" ] && name=$n1
    dump_at "$1" "$2" --array "$name"
    cat "$OUT"
  }
  pack_alike "$run" "$c" "$back" renamed_array "$r1" "$r2"
  expect 0 "$DCKPT" dump "$c" "$r1"
  has "$OUT" "$n1"
  note "the example reader (h5py) reads them, checksums included"
  expect 0 "$PY" "$SRC/tests/container/damage.py" dump "$c" "$r1"
  has "$OUT" '"name": "cub\udce9"'
  expect 0 "$PY" "$SRC/tests/container/damage.py" dump "$c" "$r2"
  has "$OUT" '"name": "\udcff64"'
}

# Record files whose JSON header dckpt_record_set_header() now refuses, as
# writers before that rule wrote them (bytes after the object, a key twice,
# not UTF-8): the directory reads them, and so must a container packed from
# it, and unpack must give back the same bytes. The container's reader
# rebuilds records with dckpt_record_set_header_tolerant().
case_legacy_header() {
  local run=$W/run c=$W/c.h5 back=$W/back
  fixture "$run" 2 3
  local r1=algorithm_0/trial_0/checkpoint_0000019.dckpt r2=benchmark_problem.dckpt
  local r3=algorithm_0/trial_0/checkpoint_0000014.dckpt
  "$PY" "$SRC/tests/container/damage.py" header "$run/$r1" '"trial":0' '"alg":1  ' ||
    fail "header $r1"
  "$PY" "$SRC/tests/container/damage.py" header "$run/$r2" \
    '"container fixture"}' '"container"} fixture' || fail "header $r2"
  "$PY" "$SRC/tests/container/damage.py" header "$run/$r3" '"trial"' '"tri\xe9l"' ||
    fail "header $r3"
  # the record's header as dump reads it, and its note of bytes after it
  header_of() {
    dump_at "$1" "$2" --json
    grep -aE '^  "(header|header_trailing_bytes|n_arrays)"' "$OUT" || fail "dump $2 of $1: no header"
    dump_at "$1" "$2"
    grep -a '^header' "$OUT"
  }
  pack_alike "$run" "$c" "$back" header_of "$r1" "$r2" "$r3"
  # dump said nothing of the bytes after r2's object (it showed the object):
  # it notes them, in the directory and in the container alike (above)
  local want_note='header note:    7 bytes after the JSON object ("fixture"), as an older dckpt kept them: readers take the object, a current writer refuses such a header'
  dump_at "$run" "$r2"
  has "$OUT" "$want_note"
  dump_at "$c" "$r2" --json
  has "$OUT" '"header_trailing_bytes": 7'
  dump_at "$c" "$r1"
  if grep -q "header note" "$OUT"; then fail "a note on a header without bytes after it"; fi
  # examples/read_container.py raised on r2's header (json.loads: "Extra
  # data") and on r3's (not UTF-8); it reads them as dckpt does: the first
  # object, the first of two equal keys, a warning naming the bytes after it
  note "examples/read_container.py reads old headers as dckpt does"
  "$PY" - "$c" "$SRC/examples" "$DCKPT" "$r1" "$r2" "$r3" <<'PY' >"$OUT" 2>"$ERR" || fail "read_container.py on old headers"
import json, subprocess, sys, warnings
sys.path.insert(0, sys.argv[2])
import read_container as rc
c = rc.Container(sys.argv[1])
for rec, trailing in zip(sys.argv[4:], (0, 7, 0)):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        header, arrays = rc.load_record(c, rec)
    said = [str(w.message) for w in caught]
    if trailing:
        assert said == [f"{rec}: the JSON header has 7 bytes after its JSON object ('fixture'), "
                        "as an older dckpt kept them: read as dckpt reads it (the object); "
                        "a current writer refuses such a header"], said
    else:
        assert not said, said
    first = lambda pairs: {k: v for k, v in reversed(pairs)}  # noqa: E731 (cJSON's first)
    d = json.loads(subprocess.run([sys.argv[3], "dump", sys.argv[1], rec, "--json"],
                                  capture_output=True, check=True).stdout,
                   object_pairs_hook=first)
    if rec == sys.argv[6]:  # not UTF-8: dump shows the text, Python a lone surrogate
        assert "tri\udce9l" in header, header
    else:
        assert header == d["header"], (header, d["header"])
    assert sorted(arrays) == sorted(a["name"] for a in d["arrays"]), rec
PY
}

# Where unpack may write: a symbolic link as DIR (even to an empty directory)
# is refused before any work; before, the rename at the end failed ("Not a
# directory") after the whole tree was built. A non-empty DIR is refused.
case_unpack_place() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 3
  expect 0 "$DCKPT" pack "$run" "$c"
  mkdir "$W/empty" && ln -s empty "$W/link"
  expect 1 "$DCKPT" unpack "$c" "$W/link"
  has "$ERR" "is a symbolic link"
  [ -L "$W/link" ] && [ -z "$(ls -A "$W/empty")" ] || fail "the link or its target changed"
  [ -z "$(find "$W" -maxdepth 1 -name '.dckpt-tmp.*')" ] || fail "a temporary was left"
  expect 1 "$DCKPT" unpack "$c" "$run"
  has "$ERR" "is not an empty directory"
  expect 0 "$DCKPT" unpack "$c" "$W/empty"
  expect 0 "$DCKPT" verify "$W/empty"
}

# ---- stock readers ----

case_h5py() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 3
  expect 0 mpi "$NP" "$DCKPT" pack "$run" "$c"
  note "examples/read_container.py: one trial's state and the result table"
  expect 0 "$PY" "$SRC/examples/read_container.py" "$c" 0 0
  cp "$OUT" "$WORK/example.txt"
  has "$WORK/example.txt" "algorithm_0/trial_0/checkpoint_0000019.dckpt"
  has "$WORK/example.txt" "results:"
  note "h5py reads every array of every record bit-identical to dckpt"
  for rec in algorithm_0/trial_0/checkpoint_0000019.dckpt benchmark_problem.dckpt \
    algorithm_1/trial_0/checkpoint_0000014.dckpt metric_computation.dckpt; do
    "$PY" "$SRC/tests/container/damage.py" dump "$c" "$rec" \
      >"$WORK/py.json" || fail "h5py dump of $rec"
    "$DCKPT" dump "$run/$rec" --json >"$WORK/dir.json" || fail "dckpt dump $rec"
    "$PY" - "$WORK/py.json" "$WORK/dir.json" "$run/$rec" "$DCKPT" <<'PY' || fail "$rec: h5py differs"
import json, subprocess, sys
import numpy as np
py, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert py["header"] == d["header"], (py["header"], d["header"])
assert [a["name"] for a in py["arrays"]] == [a["name"] for a in d["arrays"]]
for a in d["arrays"]:
    one = json.loads(subprocess.run([sys.argv[4], "dump", sys.argv[3], "--array", a["name"],
                                     "--json"], capture_output=True, check=True).stdout,
                     parse_int=lambda t: -0.0 if t == "-0" else int(t))  # keep -0's sign
    p = next(x for x in py["arrays"] if x["name"] == a["name"])
    assert p["dtype"] == a["dtype"] and p["shape"] == a["shape"], (p, a)
    np_type = {"f64": "<f8", "f32": "<f4", "i64": "<i8", "u64": "<u8", "bytes": "u1"}[a["dtype"]]
    got, want = (np.array(v, dtype=np_type).tobytes() for v in (p["values"], one["array"]["values"]))
    assert got == want, a["name"]  # the same bits (f32 printed with 9 digits reads back exact)
PY
  done
  note "without the plugin h5py says which filter is missing"
  mkdir -p "$W/empty"
  HDF5_PLUGIN_PATH=$W/empty "$PY" "$SRC/examples/read_container.py" "$c" 0 0 >"$OUT" 2>"$ERR"
  [ $? != 0 ] || fail "read without the plugin"
  grep -qE "32015|zstd" "$ERR" || fail "no word of the missing filter"
}

case_h5dump() {
  local run=$W/run c=$W/c.h5
  fixture "$run" 2 3
  expect 0 "$DCKPT" pack "$run" "$c"
  note "h5dump reads every dataset through the plugin"
  for ds in data/f64 data/f32 data/i64 data/u64 data/bytes data/text index/files \
    index/arrays index/trials; do
    h5dump -d "/$ds" "$c" >"$OUT" 2>"$ERR" || fail "h5dump /$ds"
    has "$OUT" "DATASET \"/$ds\""
    ! grep -q "unable to print" "$OUT" "$ERR" || fail "h5dump could not print /$ds"
  done
  h5dump -p -d /data/f64 "$c" >"$OUT" 2>&1
  has "$OUT" "FILTER_ID 32015"
  has "$OUT" "SHUFFLE"
  note "the problem record's f64 array {1.5, -2.5, 1e-300} is at its index row's place"
  "$PY" "$SRC/tests/container/damage.py" where "$c" \
    benchmark_problem.dckpt f64 >"$WORK/where.txt" || fail "where"
  read -r off count <"$WORK/where.txt"
  h5dump -m %.17g -d /data/f64 -s "$off" -c "$count" "$c" >"$OUT" 2>&1
  tr -d ' \n' <"$OUT" | grep -F "DATA{($off):1.5,($((off + 1))):-2.5,($((off + 2))):1e-300}" >/dev/null ||
    fail "h5dump shows other values at $off"
  note "h5dump of the whole file, attributes included"
  h5dump -A "$c" >"$OUT" 2>&1 || fail "h5dump -A"
  has "$OUT" '"dckpt container"'
}

name=${CASE%_np*}
type "case_$name" >/dev/null 2>&1 || fail "unknown case $CASE"
"case_$name"
echo "container_test.sh $CASE: all passed"
