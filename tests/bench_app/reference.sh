#!/usr/bin/env bash
# Fixture of the interruption tests: the shared campaign run once, without
# interruption, by a singleton (no launcher). Leaves WORK/interrupt.json, the
# digest of every trial's final state and of the metrics record in
# WORK/ref.digest, and the reference WORK/ref.table.csv.
here=$(dirname "$0")
. "$here/lib.sh"
setup "$@"
write_interrupt_config "$WORK/interrupt.json"
start=$(date +%s%N)
expect 0 run 0 "$WORK/interrupt.json" --checkpoint-dir "$WORK/ref" --quiet
note "uninterrupted singleton run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$(status_code "$WORK/ref")" = 0 ] || fail "run_status.json does not say 0"
digest "$WORK/ref" "$WORK/ref.digest"
[ "$(grep -c . "$WORK/ref.digest")" = 31 ] || fail "30 trials and the metrics record expected"
cp "$WORK/ref/results/table.csv" "$WORK/ref.table.csv"
echo "reference.sh: done"
