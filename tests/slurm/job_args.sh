#!/usr/bin/env bash
# The job script and PROGRAM ARGS that give --deadline or --run-name
# themselves: dckpt-bench refuses an option given twice, so the script's own
# "--deadline $DCKPT_DEADLINE" made such a job fail (exit 2). Run outside
# Slurm (DCKPT_LAUNCHER=none) with a stub program that records its
# arguments: no cluster needed.
#   usage: job_args.sh JOB_SCRIPT WORKDIR
set -euo pipefail
script=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
stub=$work/program
cat >"$stub" <<STUB
#!/usr/bin/env bash
printf '%s\n' "\$@" >"$work/args"
STUB
chmod +x "$stub"
# job ENV... -- ARGS...: runs the job script, its log in $work/log, status in rc
job() {
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  rm -f "$work/args"
  set +e
  env -u SLURM_JOB_ID -u SLURM_ARRAY_JOB_ID -u SLURM_ARRAY_TASK_ID \
    DCKPT_DIR="$work/run" DCKPT_LAUNCHER=none ${envs[@]+"${envs[@]}"} \
    bash "$script" "$@" >"$work/log" 2>&1
  rc=$?
  set -e
}
count() { grep -cx -- "$1" "$work/args" || true; }

# the script's default deadline is appended when the arguments have none
job -- "$stub" "$work/run"
[ "$rc" = 0 ] || { cat "$work/log"; fail "plain job: exit $rc"; }
if [ "$(count --deadline)" != 1 ] || ! grep -qx slurm "$work/args"; then
  fail "plain job: no --deadline slurm: $(cat "$work/args")"
fi

# --deadline in PROGRAM ARGS (both spellings): theirs alone, and said so
for spelling in "--deadline +600" "--deadline=+600"; do
  # shellcheck disable=SC2086 # the spelling is one or two words
  job -- "$stub" "$work/run" $spelling
  [ "$rc" = 0 ] || { cat "$work/log"; fail "$spelling: exit $rc"; }
  n=$(grep -c -- '--deadline' "$work/args" || true)
  [ "$n" = 1 ] || fail "$spelling: --deadline $n times: $(cat "$work/args")"
  grep -q -- "+600" "$work/args" || fail "$spelling: the user's value is not passed"
  grep -qx slurm "$work/args" && fail "$spelling: the script's deadline was appended"
  grep -q "PROGRAM ARGS give --deadline '+600': DCKPT_DEADLINE ('slurm') is not appended" \
    "$work/log" || { cat "$work/log"; fail "$spelling: not logged"; }
done

# DCKPT_RUN_NAME (a job array's task) and --run-name OTHER in PROGRAM ARGS:
# refused before the program starts; the same name is passed once
job DCKPT_RUN_NAME=7_1 -- "$stub" "$work/run" --run-name mine
[ "$rc" = 2 ] || { cat "$work/log"; fail "--run-name mine under DCKPT_RUN_NAME: exit $rc"; }
[ ! -e "$work/args" ] || fail "the program ran although the run name is wrong"
grep -q "PROGRAM ARGS give --run-name 'mine', but this job's run is '7_1'" "$work/log" ||
  { cat "$work/log"; fail "--run-name refusal not logged"; }
job DCKPT_RUN_NAME=7_1 -- "$stub" "$work/run" --run-name=7_1
[ "$rc" = 0 ] || { cat "$work/log"; fail "--run-name=7_1 under DCKPT_RUN_NAME=7_1: exit $rc"; }
[ "$(grep -c -- '--run-name' "$work/args")" = 1 ] ||
  fail "--run-name given twice: $(cat "$work/args")"
echo "job_args.sh: all passed"
