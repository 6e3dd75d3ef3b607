#!/usr/bin/env bash
# Random damage to a stopped campaign, seeded (printed; ADV_SEED=N replays):
# in each round one to three of these, on random files — a bit flipped in a
# record or a marker, a file truncated, emptied or deleted, a record replaced
# by another record of the run, a marker by another trial's, a garbage file
# under a checkpoint name — then a resume. Every round ends bit-identical to
# an uninterrupted run, or the resume refuses with a message naming a file
# (exit 1), never exit 0 with other results. ADV_ROUNDS sets the number of
# rounds (default 12).
. "$(dirname "$0")/lib.sh"
setup "$@"
adv_setup

pick() { # pick FILE...: one of the arguments, at random
  local all=("$@")
  echo "${all[RANDOM % ${#all[@]}]}"
}

damage() { # damage DIR: one random change, described on stdout
  local d=$1
  mapfile -t records < <(find "$d" -name '*.dckpt' | sort)
  mapfile -t markers < <(find "$d" -name 'progress.json' -o -name 'complete.json' | sort)
  local f
  case $((RANDOM % 7)) in
    0) f=$(pick "${records[@]}")
       local size; size=$(stat -c %s "$f")
       local at=$((RANDOM * 32768 % size + RANDOM % size))
       at=$((at % size))
       printf "$(printf '\\x%02x' $((RANDOM % 255 + 1)))" |
         dd of="$f" bs=1 seek="$at" conv=notrunc status=none
       echo "byte $at of $f changed" ;;
    1) f=$(pick "${records[@]}" "${markers[@]}")
       truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"; echo "$f truncated to half" ;;
    2) f=$(pick "${records[@]}" "${markers[@]}"); : >"$f"; echo "$f emptied" ;;
    3) f=$(pick "${records[@]}" "${markers[@]}"); rm -f "$f"; echo "$f deleted" ;;
    4) f=$(pick "${records[@]}"); local g; g=$(pick "${records[@]}")
       cp "$g" "$f"; echo "$f replaced by $g" ;;
    5) f=$(pick "${markers[@]}"); local g; g=$(pick "${markers[@]}")
       cp "$g" "$f"; echo "$f replaced by $g" ;;
    6) f=$(dirname "$(pick "${records[@]}")")/checkpoint_$(printf '%07d' $((RANDOM % 999)))
       head -c $((RANDOM % 900 + 1)) /dev/urandom >"$f.dckpt"; echo "garbage $f.dckpt" ;;
  esac
}

rounds=${ADV_ROUNDS:-12}
refused=0
for ((i = 0; i < rounds; i++)); do
  d=$(partial "round$i")
  # half the rounds damage a finished trial too
  if ((RANDOM % 2)); then cp -a "$WORK/ref/algorithm_1/trial_1/." "$(trial "$d" 1 1)/"; fi
  n=$((RANDOM % 3 + 1))
  for ((k = 0; k < n; k++)); do note "round $i: $(damage "$d")"; done
  set +e
  run 0 "$cfg" --checkpoint-dir "$d" --quiet >"$WORK/last.out" 2>"$WORK/last.err"
  code=$?
  set -e
  case $code in
    0) digest "$d" "$WORK/run.digest"
       same "$WORK/ref.digest" "$WORK/run.digest"
       same "$WORK/ref.table.csv" "$d/results/table.csv"
       note "round $i: resumed, identical to the uninterrupted run" ;;
    1) grep -qE "'$WORK/round$i/[^']+'" "$WORK/last.err" ||
         { cat "$WORK/last.err"; fail "round $i: refused without naming a file"; }
       refused=$((refused + 1))
       note "round $i: refused: $(grep -m1 -oE "'$WORK/round$i/[^']+'[^;]*" "$WORK/last.err")" ;;
    *) cat "$WORK/last.err"; fail "round $i: exit $code" ;;
  esac
done
echo "random.sh: $rounds rounds, $refused refused with a named file, the others identical"
