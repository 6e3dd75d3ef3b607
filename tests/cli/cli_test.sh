#!/usr/bin/env bash
# Black-box tests of the dckpt command-line tool, one CTest entry per case.
#
#   usage: cli_test.sh CASE DCKPT_BIN FIXTURE_BIN WORKDIR
#
# Each case builds a fresh checkpoint directory with FIXTURE_BIN (see
# make_fixture.c for what it holds) under WORKDIR, runs dckpt and checks output
# and exit codes. Any failed check ends the case with exit 1.
set -u

CASE=$1
DCKPT=$2
FIXTURE=$3
WORK=$4
PY=${PYTHON:-/usr/bin/python3}
export NO_COLOR=1

rm -rf "$WORK"
mkdir -p "$WORK"
DIR=$WORK/ckpt
OUT=$WORK/out.txt
ERR=$WORK/err.txt

fail() {
  echo "FAIL [$CASE]: $*" >&2
  echo "--- stdout:" >&2
  cat "$OUT" >&2 2>/dev/null
  echo "--- stderr:" >&2
  cat "$ERR" >&2 2>/dev/null
  exit 1
}

# run EXPECTED_EXIT ARGS...: runs dckpt, keeps stdout in $OUT and stderr in $ERR.
run() {
  local want=$1
  shift
  "$DCKPT" "$@" >"$OUT" 2>"$ERR" </dev/null
  local got=$?
  [ "$got" -eq "$want" ] || fail "dckpt $* exited $got, wanted $want"
}

# has FILE TEXT: FILE contains TEXT (fixed string).
has() { grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$(basename "$1") unexpectedly has: $2"; }
# matches FILE REGEX (extended).
matches() { grep -qE -- "$2" "$1" || fail "$(basename "$1") does not match: $2"; }
# py SCRIPT: runs a Python check on stdin = $OUT; a failed assert fails the case.
py() { "$PY" -c "$1" <"$OUT" || fail "python check failed: $1"; }

make_fixture() { "$FIXTURE" "$DIR" || fail "fixture program failed"; }

CKPT=$DIR/algorithm_0/trial_1/checkpoint_0000009.dckpt

case_help() {
  run 0 --help
  for c in status verify dump backup clear size metadata; do has "$OUT" "  $c "; done
  has "$OUT" "Exit status"
  for c in status verify dump backup clear size metadata; do
    run 0 "$c" --help
    has "$OUT" "Usage: dckpt $c"
  done
  run 0 help dump
  has "$OUT" "--head N"
  run 0 --version
  matches "$OUT" '^dckpt [0-9]+\.[0-9]+\.[0-9]+$'
}

case_usage() {
  make_fixture
  run 2
  has "$ERR" "Usage: dckpt COMMAND"
  run 2 frobnicate
  has "$ERR" "unknown command 'frobnicate'"
  run 2 --frob
  has "$ERR" "unknown option '--frob'"
  run 2 status
  has "$ERR" "missing checkpoint directory"
  run 2 status "$DIR" --bogus
  has "$ERR" "unknown option '--bogus'"
  run 2 status "$DIR" "$DIR"
  has "$ERR" "unexpected argument"
  run 2 dump "$CKPT" --head 3
  has "$ERR" "--head"
  run 2 dump "$CKPT" --array x --head many
  has "$ERR" "'many'"
  run 2 dump "$CKPT" --array
  has "$ERR" "needs a value"
  # a single-valued option given twice was last-wins: refused, both named
  run 2 dump "$CKPT" --array x --array=y
  has "$ERR" "dckpt dump: option '--array' given twice ('x' and 'y'): give it once"
  run 2 dump "$CKPT" --array x --head 1 --head 2
  has "$ERR" "option '--head' given twice ('1' and '2')"
  # counts are plain decimal digits: strtoull took ' 3' and '+3'
  for v in " 3" "+3" "03" "0x3" "" "3 " "99999999999999999999"; do
    run 2 dump "$CKPT" --array x --head "$v"
    has "$ERR" "option '--head': '$v' is not a non-negative integer"
  done
  run 2 metadata "$DIR" --set novalue
  has "$ERR" "KEY=VALUE"
  run 2 metadata "$DIR" --set =1
  has "$ERR" "KEY=VALUE"
  # an empty path (an unset variable, quoted): the message named nothing
  for c in status verify size ls metadata backup dump; do
    run 2 "$c" ""
    has "$ERR" "dckpt $c: an empty argument where a path belongs"
  done
  run 2 clear "" --yes
  has "$ERR" "dckpt clear: an empty argument where a path belongs"
}

case_status() {
  make_fixture
  run 0 status "$DIR"
  has "$OUT" "run:       in progress, 2 algorithms x 3 trials, seed 42"
  has "$OUT" "metrics:   computed"
  has "$OUT" "lock:      none"
  # algorithm  iterations  complete  in progress  not started  iterations done
  matches "$OUT" '^DGD +20 +1/3 +1 +1 +30/60 \(50\.0%\)$'
  matches "$OUT" '^EXTRA +10 +3/3 +0 +0 +30/30 \(100\.0%\)$'
  matches "$OUT" '^total +4/6 +1 +1 +60/90 \(66\.7%\)$'
  # 6 trials: the per-trial table is shown without --trials.
  matches "$OUT" '^DGD +0 +complete +19$'
  matches "$OUT" '^DGD +1 +in progress +9$'
  matches "$OUT" '^DGD +2 +not started +-$'
  matches "$OUT" '^EXTRA +2 +complete +9$'
  run 0 status "$DIR" --trials
  matches "$OUT" '^DGD +1 +in progress +9$'
  run 1 status "$WORK/missing"
  has "$ERR" "$WORK/missing"
  has "$ERR" "No such file or directory"
  mkdir "$WORK/empty"
  run 1 status "$WORK/empty"
  has "$ERR" "metadata.json"
}

case_status_json() {
  make_fixture
  run 0 status "$DIR" --json
  py '
import json, sys
d = json.load(sys.stdin)
assert d["state"] == "in progress", d["state"]
assert d["n_trials"] == 3 and d["rng_seed"] == 42
assert d["metrics_computed"] is True and d["lock"] is None
t = d["totals"]
assert (t["trials_complete"], t["trials_in_progress"], t["trials_not_started"]) == (4, 1, 1), t
assert (t["iterations_done"], t["iterations_planned"]) == (60, 90), t
a = {x["name"]: x for x in d["algorithms"]}
assert [x["name"] for x in d["algorithms"]] == ["DGD", "EXTRA"]
assert a["DGD"]["index"] == 0 and a["DGD"]["iterations"] == 20
assert [(x["trial"], x["state"], x["last_iteration"]) for x in a["DGD"]["trials"]] == \
    [(0, "complete", 19), (1, "in progress", 9), (2, "not started", -1)], a["DGD"]["trials"]
assert a["EXTRA"]["trials_complete"] == 3 and a["EXTRA"]["iterations_done"] == 30
'
}

# A lock file written by hand: one naming another host, then one naming a
# process of this host that is gone.
case_status_lock() {
  make_fixture
  printf '{"host":"elsewhere.example","pid":4242,"job_id":"987","started":"2024-05-01T10:00:00Z"}' \
    >"$DIR/dckpt.lock"
  run 0 status "$DIR"
  has "$OUT" "lock:      held by host elsewhere.example, pid 4242, job 987, since 2024-05-01T10:00:00Z"
  hasnt "$OUT" "stale"
  run 0 status "$DIR" --json
  py '
import json, sys
l = json.load(sys.stdin)["lock"]
assert l["host"] == "elsewhere.example" and l["pid"] == 4242 and l["job_id"] == "987", l
assert l["stale"] is None, l
'
  sh -c 'exit 0' &
  local dead=$!
  wait "$dead"
  printf '{"host":"%s","pid":%d,"job_id":null,"started":1714557600}' "$("$PY" -c 'import socket; print(socket.gethostname())')" "$dead" \
    >"$DIR/dckpt.lock"
  run 0 status "$DIR"
  has "$OUT" "pid $dead, since 2024-05-0"
  has "$OUT" "(stale: that process is gone)"
  run 0 status "$DIR" --json
  py 'import json, sys; assert json.load(sys.stdin)["lock"]["stale"] is True'
}

# Named runs (DIR/runs/<name>): only a missing run_status.json is "has not
# ended yet"; a torn one, and a file or link where the run's folder belongs,
# were said the same way.
case_status_named() {
  make_fixture
  mkdir -p "$DIR/runs/done" "$DIR/runs/fresh" "$DIR/runs/torn"
  printf '{"status":"EINTERRUPTED","exit_code":75,"message":"rank 0 stopped: received SIGTERM","pairs_total":6,"pairs_completed":4,"iterations_run":9,"ranks":1,"seconds":1.5,"finished_at":1796671223.5}' \
    >"$DIR/runs/done/run_status.json"
  printf '{"status":"OK","exit_co' >"$DIR/runs/torn/run_status.json"
  touch "$DIR/runs/stray"
  ln -s "$WORK/nowhere" "$DIR/runs/link"
  run 0 status "$DIR"
  has "$OUT" "named run: done: last ended EINTERRUPTED (exit 75): rank 0 stopped: received SIGTERM"
  has "$OUT" "named run: fresh: has not ended yet"
  has "$OUT" "named run: torn: how it last ended is unknown: '$DIR/runs/torn/run_status.json': malformed JSON"
  has "$OUT" "named run: stray: '$DIR/runs/stray' is not a folder (a regular file)"
  has "$OUT" "named run: link: '$DIR/runs/link' is not a folder (a symbolic link)"
  run 0 status "$DIR" --json
  py '
import json, sys
r = {x["name"]: x for x in json.load(sys.stdin)["named_runs"]}
assert r["done"]["ended"]["exit_code"] == 75 and r["done"]["error"] is None, r["done"]
assert r["fresh"]["ended"] is None and r["fresh"]["error"] is None, r["fresh"]
for n in ("torn", "stray", "link"):
    assert r[n]["ended"] is None and r[n]["error"], r[n]
assert "malformed JSON" in r["torn"]["error"], r["torn"]
'
}

case_verify_clean() {
  make_fixture
  run 0 verify "$DIR"
  has "$OUT" "$DIR: clean, no problems found"
  run 0 verify "$DIR" --json
  py 'import json, sys; d = json.load(sys.stdin); assert d["clean"] and d["n_bad"] == 0 and d["problems"] == []'
  run 2 verify "$WORK/missing"
  has "$ERR" "$WORK/missing"
}

# progress.json is a hint a power loss may damage (docs/design.md, "Commit
# protocol"): verify warns, naming the file and the cause, and exits 0;
# status shows the trial at its newest checkpoint file and exits 0.
case_verify_hint() {
  make_fixture
  local p=$DIR/algorithm_0/trial_1/progress.json
  head -c 160 /dev/zero >"$p"
  run 0 verify "$DIR"
  has "$OUT" "$p: warning: "
  has "$OUT" "only a hint"
  has "$OUT" "nothing committed is lost"
  has "$OUT" "a resume starts from iteration 9"
  has "$OUT" "$DIR: clean, no problems found (1 warning: nothing committed is lost)"
  run 0 verify "$DIR" --json
  py 'import json, sys; d = json.load(sys.stdin); assert d["clean"] and d["n_bad"] == 0 and d["n_warn"] == 1 and d["warnings"][0]["code"] == "ECORRUPT", d'
  run 0 status "$DIR" --trials
  matches "$OUT" '^DGD +1 +in progress +9$'
  has "$ERR" "warn: "
  has "$ERR" "progress.json is only a hint"
  # names a checkpoint whose rename a power loss lost: resume from 9
  echo '{"last_completed_iteration":14}' >"$p"
  run 0 verify "$DIR"
  has "$OUT" "checkpoint_0000014.dckpt', which is missing"
  has "$OUT" "a resume starts from iteration 9"
  # real damage still fails: the checkpoint complete.json names
  rm "$DIR/algorithm_0/trial_0/checkpoint_0000019.dckpt"
  run 1 verify "$DIR"
  matches "$OUT" '^.*: 1 problem found, 1 warning$'
}

case_verify_corrupt() {
  make_fixture
  local bad_ckpt=$DIR/algorithm_1/trial_0/checkpoint_0000009.dckpt
  local bad_progress=$DIR/algorithm_0/trial_1/progress.json
  "$PY" - "$bad_ckpt" <<'EOF' || fail "could not flip a byte"
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xFF
open(p, "wb").write(b)
EOF
  truncate -s 7 "$bad_progress" || fail "could not truncate"
  run 1 verify "$DIR"
  has "$OUT" "$bad_ckpt"
  has "$OUT" "$bad_progress: warning: "
  matches "$OUT" '^.*: [0-9]+ problems? found, 1 warning$'
  run 1 verify "$DIR" --json
  "$PY" -c '
import json, sys
d = json.load(sys.stdin)
paths = {p["path"] for p in d["problems"]}
warned = {p["path"] for p in d["warnings"]}
assert not d["clean"] and d["n_bad"] == len(d["problems"]) >= 1, d
assert sys.argv[1] in paths and sys.argv[2] not in paths, paths
assert d["n_warn"] == 1 and warned == {sys.argv[2]}, d
' "$bad_ckpt" "$bad_progress" <"$OUT" || fail "verify --json check"
  run 1 dump "$bad_ckpt"
  has "$ERR" "$bad_ckpt"
}

case_dump() {
  make_fixture
  run 0 dump "$CKPT"
  has "$OUT" "file:           $CKPT"
  matches "$OUT" '^format version: [0-9]+$'
  has "$OUT" "compression:    zstd, level 3"
  has "$OUT" "arrays:         5"
  matches "$OUT" '^payload: +[0-9]+ bytes stored, [0-9]+ bytes raw \(ratio [0-9.]+\)$'
  has "$OUT" '"alg": "DGD"'
  matches "$OUT" '^x +f64 +\[2, 3\] +48$'
  matches "$OUT" '^rng +u64 +\[4\] +32$'
  matches "$OUT" '^f +f32 +\[3\] +12$'
  matches "$OUT" '^iteration +i64 +\[\] +8$'
  matches "$OUT" '^note +bytes +\[5\] +5$'
  # Values with full precision, one row per last dimension.
  run 0 dump "$CKPT" --array x
  "$PY" -c '
import sys
x = [9 + 0.1, 1 / 3, 2 / 3, 1e-300, -2.5, 1.0]
want = " ".join("%.17g" % v for v in x[:3]) + "\n" + " ".join("%.17g" % v for v in x[3:]) + "\n"
got = sys.stdin.read()
assert got == want, (got, want)
' <"$OUT" || fail "values of x"
  run 0 dump "$CKPT" --array rng
  [ "$(cat "$OUT")" = "$(printf '18446744073709551615\n1\n2\n9')" ] || fail "values of rng"
  run 0 dump "$CKPT" --array f
  [ "$(cat "$OUT")" = "$(printf '0.100000001\n1.5\n-3.25')" ] || fail "values of f"
  run 0 dump "$CKPT" --array iteration
  [ "$(cat "$OUT")" = "9" ] || fail "scalar iteration"
  run 0 dump "$CKPT" --array note
  [ "$(cat "$OUT")" = "$(printf '104\n101\n108\n108\n111')" ] || fail "bytes of note"
  run 0 dump "$CKPT" --array x --head 2
  [ "$(cat "$OUT")" = "9.0999999999999996 0.33333333333333331" ] || fail "--head 2"
  run 0 dump "$CKPT" --array=rng --head=0
  [ ! -s "$OUT" ] || fail "--head 0 printed something"
  run 1 dump "$CKPT" --array nosuch
  has "$ERR" "no array 'nosuch'"
  has "$ERR" "'x'"
  run 1 dump "$WORK/missing.dckpt"
  has "$ERR" "$WORK/missing.dckpt"
  run 1 dump "$DIR/metadata.json"
  has "$ERR" "metadata.json"
  run 0 dump "$DIR/metric_computation.dckpt" --array regret
  [ "$(cat "$OUT")" = "$(printf '1 0.5 0.25\n2 1 0.5')" ] || fail "metrics values"
}

case_dump_json() {
  make_fixture
  run 0 dump "$CKPT" --json
  py '
import json, sys
d = json.load(sys.stdin)
assert d["compressed"] is True and d["level"] == 3 and d["n_arrays"] == 5, d
assert d["header"] == {"alg": "DGD", "trial": 1, "iteration": 9}, d["header"]
a = {x["name"]: x for x in d["arrays"]}
assert a["x"]["dtype"] == "f64" and a["x"]["shape"] == [2, 3] and a["x"]["bytes"] == 48
assert a["iteration"]["shape"] == [] and a["iteration"]["nelems"] == 1
assert "array" not in d
'
  run 0 dump "$CKPT" --json --array rng --head 3
  py '
import json, sys
a = json.load(sys.stdin)["array"]
assert a["name"] == "rng" and a["values"] == [2**64 - 1, 1, 2] and a["truncated"] is True, a
'
  run 0 dump "$CKPT" --json --array x
  py '
import json, sys
a = json.load(sys.stdin)["array"]
assert a["values"] == [9.1, 1 / 3, 2 / 3, 1e-300, -2.5, 1.0] and a["truncated"] is False, a
'
}

# jpy SCRIPT: like py, with d = the JSON document on stdout, parsed strictly
# (UTF-8 bytes, then json.loads), after a check of every string that is not
# UTF-8 (docs/cli.md, "JSON output"): each member K with a companion K_hex
# holds the bytes of K_hex decoded with U+FFFD for what is ill-formed (as
# Python's errors="replace"), those bytes are not UTF-8, and hexed() lists
# (K, bytes) of every such member; no string holds a lone surrogate. Further arguments are sys.argv[1:].
jpy() {
  local script=$1
  shift
  "$PY" -c '
import json, os, sys
text = sys.stdin.buffer.read().decode("utf-8")  # strict: the output is UTF-8
d = json.loads(text)  # strict: no control character inside a string
def walk(v, out):
    if isinstance(v, str):
        v.encode("utf-8")  # strict: no lone surrogate (an escape such as \\udcff)
    elif isinstance(v, dict):
        for k, x in v.items():
            k.encode("utf-8")
            if k + "_hex" in v:
                raw = bytes.fromhex(v[k + "_hex"])
                assert isinstance(x, str) and x == raw.decode("utf-8", "replace"), (k, x, raw)
                try:
                    raw.decode("utf-8")
                    assert False, ("a companion for UTF-8", k, raw)
                except UnicodeDecodeError:
                    pass
                out.append((k, raw))
            walk(x, out)
    elif isinstance(v, list):
        for x in v:
            walk(x, out)
    return out
found = walk(d, [])
def hexed():
    return found
'"$script" "$@" <"$OUT" || fail "python check failed: $script"
}

# Every JSON document is UTF-8 whatever bytes come from disk or the command
# line: a run directory named with \xff, array names as writers before
# 475f4a0 could leave them (damage.py rename), a record header that is not
# UTF-8, files found on disk.
case_json_bytes() {
  local damage bad ck hdr
  damage="$(cd "$(dirname "$0")/../container" && pwd)/damage.py"
  bad=$WORK/run$'\xff'
  "$FIXTURE" "$bad" || fail "fixture program failed"
  ck=$bad/algorithm_0/trial_1/checkpoint_0000009.dckpt
  # x: one byte UTF-8 never has; iteration: a truncated sequence, a C0, the
  # first bytes of an encoded surrogate; note: past U+10FFFF; rng -> re-acute,
  # which is UTF-8 and comes out as it is
  "$PY" "$damage" rename "$ck" x '\xff' || fail "rename x"
  "$PY" "$damage" rename "$ck" iteration 'it\xe2\x82\xc0\xed\xa0\x80n' || fail "rename iteration"
  "$PY" "$damage" rename "$ck" note 'n\xf4\x90e' || fail "rename note"
  "$PY" "$damage" rename "$ck" rng 'r\xc3\xa9' || fail "rename rng"
  run 0 dump "$ck" --json
  jpy '
h = dict(hexed())
assert h["file"] == os.fsencode(sys.argv[1]), h
assert d["file"] == os.fsencode(sys.argv[1]).decode("utf-8", "replace")
names = [(a["name"], a.get("name_hex")) for a in d["arrays"]]
assert names == [("\ufffd", "ff"), ("r\u00e9", None), ("f", None),
                 ("it\ufffd\ufffd\ufffd\ufffd\ufffdn", "6974e282c0eda0806e"),
                 ("n\ufffd\ufffde", "6ef49065")], names
assert d["header"] == {"alg": "DGD", "trial": 1, "iteration": 9}, d["header"]
assert "array" not in d
' "$ck"
  # the values of an array named by bytes; a UTF-8 name exactly
  run 0 dump "$ck" --json --array $'\xff' --head 2
  jpy '
a = d["array"]
assert a["name"] == "\ufffd" and a["name_hex"] == "ff" and a["values"] == [9.1, 1 / 3], a
'
  run 0 dump "$ck" --json --array $'r\xc3\xa9'
  jpy '
a = d["array"]
assert a["name"] == "r\u00e9" and "name_hex" not in a and a["values"][0] == 2**64 - 1, a
'
  # a header that is not UTF-8 is not JSON text: shown as a string, as one
  # that does not parse; the text output prints it as stored
  hdr=$WORK/header.dckpt
  cp "$ck" "$hdr"
  "$PY" "$damage" header "$hdr" '"DGD"' '"D\xffD"' || fail "header"
  run 0 dump "$hdr" --json
  jpy '
assert d["header"] == "{\"alg\":\"D\ufffdD\",\"trial\":1,\"iteration\":9}", d["header"]
assert dict(hexed())["header"] == b"{\"alg\":\"D\xffD\",\"trial\":1,\"iteration\":9}"
assert "file_hex" not in d
'
  run 0 dump "$hdr"
  has "$OUT" $'header:         {"alg":"D\xffD","trial":1,"iteration":9}'
  # status, verify, ls and metadata of the directory named with \xff, with a
  # file found on disk named with \xfe and an unreadable complete.json
  echo note >"$bad/results_"$'\xfe'.txt
  run 0 status "$bad" --json
  jpy '
assert dict(hexed()) == {"dir": os.fsencode(sys.argv[1])}, hexed()
assert d["dir"].endswith("/run\ufffd") and d["state"] == "in progress", d
assert d["algorithms"][0]["name"] == "DGD" and "name_hex" not in d["algorithms"][0]
' "$bad"
  # (ls lists what a pack takes, whose names are ASCII: the \xfe file is no
  # file of the run and is not listed)
  run 0 ls "$bad" --json
  jpy '
paths = {x["path"]: x for x in d}
assert "metadata.json" in paths and not any("\ufffd" in p for p in paths), paths
assert all("path_hex" not in x for x in d), d
'
  run 0 metadata "$bad"
  jpy '
assert hexed() == [] and d["benchmark_metadata"] == {"problem": "quadratic", "agents": 8}, d
'
  printf '{"x' >"$bad/algorithm_0/trial_0/complete.json"
  run 1 status "$bad" --json
  jpy '
t = d["algorithms"][0]["trials"][0]
assert t["state"] == "unreadable" and b"/run\xff/algorithm_0/trial_0/complete.json" in bytes.fromhex(t["error_hex"]), t
'
  run 1 verify "$bad" --json
  jpy '
assert d["clean"] is False and d["n_bad"] == 1, d
p = d["problems"][0]
assert p["path_hex"] == os.fsencode(sys.argv[1] + "/algorithm_0/trial_0/complete.json").hex(), p
assert p["path"].endswith("/run\ufffd/algorithm_0/trial_0/complete.json") and p["code"] == "ECORRUPT", p
assert "reason_hex" not in p
' "$bad"
}

case_backup() {
  make_fixture
  run 0 backup "$DIR"
  local zip
  zip=$(cat "$OUT")
  case "$zip" in "$WORK"/ckpt_backup_*.zip) ;; *) fail "unexpected archive path $zip" ;; esac
  [ -f "$zip" ] || fail "archive $zip missing"
  "$PY" -m zipfile -l "$zip" >"$OUT" 2>"$ERR" || fail "python cannot list $zip"
  has "$OUT" "metadata.json"
  has "$OUT" "checkpoint_0000009.dckpt"
  has "$OUT" "complete.json"
  run 0 backup "$DIR"
  [ "$(cat "$OUT")" != "$zip" ] || fail "second backup reused $zip"
  run 1 backup "$WORK/missing"
  has "$ERR" "$WORK/missing"
  # a directory that holds no run is not zipped (`dckpt backup .` at home)
  mkdir -p "$WORK/other" && echo keep >"$WORK/other/file.txt"
  run 1 backup "$WORK/other"
  has "$ERR" "does not hold a dckpt run"
  ! ls "$WORK"/other_backup_* >/dev/null 2>&1 || fail "a foreign directory was archived"
}

case_clear() {
  make_fixture
  run 2 clear "$DIR"
  has "$ERR" "not a terminal"
  has "$ERR" "--yes"
  [ -f "$DIR/metadata.json" ] || fail "clear without --yes removed something"
  mkdir -p "$WORK/other" && echo keep >"$WORK/other/file.txt"
  run 1 clear "$WORK/other" --yes
  has "$ERR" "not a dckpt checkpoint directory"
  [ -f "$WORK/other/file.txt" ] || fail "clear removed a foreign directory"
  [ ! -e "$WORK/other/dckpt.lock" ] || fail "clear left a lock in a foreign directory"
  # DIR as a symbolic link (with or without a trailing slash): refused; it
  # removed the link alone, said "removed", and left its lock in the run
  ln -sfn "$DIR" "$WORK/link"
  for l in "$WORK/link" "$WORK/link/"; do
    run 1 clear "$l" --yes
    has "$ERR" "is a symbolic link; nothing removed"
    [ -L "$WORK/link" ] || fail "clear $l removed the link"
    [ -f "$DIR/metadata.json" ] || fail "clear $l removed the run"
    [ ! -e "$DIR/dckpt.lock" ] || fail "clear $l left a lock in the run"
  done
  rm "$WORK/link"
  run 0 clear "$DIR" --yes
  has "$OUT" "removed $DIR"
  [ ! -e "$DIR" ] || fail "$DIR still exists after clear --yes"
  run 1 clear "$DIR" --yes
  has "$ERR" "$DIR"
}

# The confirmation prompt, answered on a pseudo-terminal.
case_clear_tty() {
  make_fixture
  local answer
  for answer in n y; do
    "$PY" - "$DCKPT" "$DIR" "$answer" >"$OUT" 2>"$ERR" <<'EOF'
import os, pty, subprocess, sys
dckpt, d, answer = sys.argv[1:4]
master, slave = pty.openpty()
p = subprocess.Popen([dckpt, "clear", d], stdin=slave, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
os.close(slave)
os.write(master, (answer + "\n").encode())
out, err = p.communicate(timeout=30)
sys.stdout.write(out.decode())
sys.stderr.write(err.decode())
sys.exit(p.returncode)
EOF
    local rc=$?
    has "$ERR" "Remove $DIR and all "
    has "$ERR" " bytes ("
    has "$ERR" "[y/N]"
    if [ "$answer" = n ]; then
      [ "$rc" -eq 1 ] || fail "answer n: exit $rc, wanted 1"
      has "$ERR" "nothing removed"
      [ -f "$DIR/metadata.json" ] || fail "answer n removed the directory"
    else
      [ "$rc" -eq 0 ] || fail "answer y: exit $rc, wanted 0"
      [ ! -e "$DIR" ] || fail "answer y left the directory"
    fi
  done
}

# A real lock, held by `clear` while it waits at its prompt (live_lock.py).
case_lock_live() {
  make_fixture
  "$PY" "$(dirname "$0")/live_lock.py" "$DCKPT" "$DIR" >"$OUT" 2>"$ERR" ||
    fail "live lock checks"
}

# --break-lock of clear and metadata --set: a shared run's registration that
# cannot be read refuses both (as any writing open that is not shared) until
# --break-lock ignores it, as dckpt-bench --break-lock does. (A live holder is
# never broken: live_lock.py.)
case_break_lock() {
  make_fixture
  mkdir -p "$DIR/leases"
  printf 'garbage' >"$DIR/leases/run.elsewhere.123.lease"
  run 1 metadata "$DIR" --set a=1
  has "$ERR" "run.elsewhere.123.lease' cannot be read"
  run 2 metadata "$DIR" --break-lock
  has "$ERR" "--break-lock goes with --set"
  run 0 metadata "$DIR"
  py 'import json, sys; assert "a" not in json.load(sys.stdin)["benchmark_metadata"]'
  run 0 metadata "$DIR" --set a=1 --break-lock
  py 'import json, sys; assert json.load(sys.stdin)["benchmark_metadata"]["a"] == 1'
  run 1 clear "$DIR" --yes
  has "$ERR" "run.elsewhere.123.lease' cannot be read"
  [ -f "$DIR/metadata.json" ] || fail "clear refused but removed the run"
  run 0 clear "$DIR" --yes --break-lock
  has "$OUT" "removed $DIR"
  [ ! -e "$DIR" ] || fail "$DIR still exists after clear --yes --break-lock"
  for c in clear metadata; do
    run 0 "$c" --help
    has "$OUT" "--break-lock"
  done
}

case_size() {
  make_fixture
  local want
  want=$("$PY" -c '
import os, sys
print(sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(sys.argv[1]) for f in fs))
' "$DIR")
  run 0 size "$DIR" --bytes
  [ "$(cat "$OUT")" = "$(printf '%s\t%s' "$want" "$DIR")" ] || fail "size --bytes, wanted $want"
  run 0 size "$DIR"
  matches "$OUT" "^[0-9]+(\.[0-9])? (B|KiB|MiB)	$DIR\$"
  run 1 size "$WORK/missing"
  has "$ERR" "$WORK/missing"
}

case_ls() {
  make_fixture
  run 0 ls "$DIR" algorithm_0/trial_0 -l
  has "$OUT" "algorithm_0/trial_0/checkpoint_0000019.dckpt"
  # The root files, then each trial's (checkpoints by iteration, progress.json,
  # complete.json), algorithms and trials by number: the container's order
  # (the directory's was by name: the root files last, complete.json first,
  # algorithm_10 before algorithm_2).
  # (Trial directories beyond metadata.json's plan are not listed, as a pack
  # leaves them out: here a plan of 11 algorithms x 11 trials.)
  mkdir -p "$DIR/algorithm_10/trial_0" "$DIR/algorithm_2/trial_10" "$DIR/algorithm_2/trial_9"
  touch "$DIR/algorithm_10/trial_0/progress.json" "$DIR/algorithm_2/trial_10/progress.json" \
    "$DIR/algorithm_2/trial_9/checkpoint_0000100.dckpt" "$DIR/algorithm_2/trial_9/checkpoint_0000099.dckpt"
  cp "$DIR/metadata.json" "$WORK/metadata.json"
  "$PY" - "$DIR/metadata.json" <<'PY' || fail "cannot write the 11 x 11 plan"
import json, sys
m = json.load(open(sys.argv[1]))
m["n_trials"] = 11
m["algorithms"] += [{"name": "A%d" % i, "iterations": 1, "index": i} for i in range(2, 11)]
open(sys.argv[1], "w").write(json.dumps(m, separators=(",", ":")))
PY
  run 0 ls "$DIR"
  cp "$WORK/metadata.json" "$DIR/metadata.json"
  printf '%s\n' metadata.json benchmark_problem.dckpt initial_algorithms.dckpt \
    metric_computation.dckpt metric_computation_complete.json \
    algorithm_0/trial_0/checkpoint_0000014.dckpt algorithm_0/trial_0/checkpoint_0000019.dckpt \
    algorithm_0/trial_0/progress.json algorithm_0/trial_0/complete.json \
    algorithm_0/trial_1/checkpoint_0000004.dckpt algorithm_0/trial_1/checkpoint_0000009.dckpt \
    algorithm_0/trial_1/progress.json >"$WORK/want.txt"
  for t in 0 1 2; do
    printf 'algorithm_1/trial_%s/%s\n' "$t" checkpoint_0000004.dckpt "$t" checkpoint_0000009.dckpt \
      "$t" progress.json "$t" complete.json >>"$WORK/want.txt"
  done
  printf '%s\n' algorithm_2/trial_9/checkpoint_0000099.dckpt algorithm_2/trial_9/checkpoint_0000100.dckpt \
    algorithm_2/trial_10/progress.json algorithm_10/trial_0/progress.json >>"$WORK/want.txt"
  diff "$WORK/want.txt" "$OUT" >&2 || fail "ls DIR lists in another order than the root files, then each trial's"
  rm -r "$DIR/algorithm_10" "$DIR/algorithm_2"
  # A checkpoint moved elsewhere and linked back is the run's file (the store,
  # verify and pack follow the link): ls left it out of the directory's list
  # while the container's listed it. A link back up is not followed again.
  local ckpt=$DIR/algorithm_0/trial_0/checkpoint_0000019.dckpt size
  size=$(stat -c %s "$ckpt")
  mv "$ckpt" "$WORK/moved.dckpt"
  ln -s "$WORK/moved.dckpt" "$ckpt"
  ln -s .. "$DIR/algorithm_0/up"
  run 0 verify "$DIR"
  run 0 ls "$DIR" algorithm_0/trial_0 -l
  matches "$OUT" "^checkpoint +$size  algorithm_0/trial_0/checkpoint_0000019.dckpt\$"
  run 0 ls "$DIR"
  hasnt "$OUT" "up/"
  [ "$(wc -l <"$OUT")" -lt 100 ] || fail "ls followed a link back up"
  # A DIR whose metadata.json cannot be read is one pack refuses: ls listed
  # every trial directory's files (exit 0) as if they were the run's. It names
  # the file and the cause, lists nothing and exits 1 (pack's refusal:
  # cli.ls_pack).
  mv "$DIR/metadata.json" "$WORK/metadata.json"
  run 1 ls "$DIR"
  has "$ERR" "dckpt ls: '$DIR' does not hold a dckpt run: '$DIR/metadata.json' is missing (ENOENT); 'dckpt pack' refuses this directory too"
  [ ! -s "$OUT" ] || fail "ls listed files of a DIR without metadata.json"
  echo '{"n_trials":' >"$DIR/metadata.json"
  run 1 ls "$DIR" algorithm_0 -l
  has "$ERR" "dckpt ls: '$DIR/metadata.json': malformed JSON at byte 13 (ECORRUPT)"
  [ ! -s "$OUT" ] || fail "ls listed files of a DIR with a corrupt metadata.json"
  rm "$DIR/metadata.json"
  mkdir "$DIR/metadata.json"
  run 1 ls "$DIR" --json
  has "$ERR" "'$DIR/metadata.json' is not a regular file (EINVAL)"
  [ "$(cat "$OUT")" = "[]" ] || fail "ls --json listed files of a DIR with an unreadable metadata.json"
  rmdir "$DIR/metadata.json"
  mv "$WORK/metadata.json" "$DIR/metadata.json"
  run 0 ls "$DIR"
}

# dckpt ls DIR lists exactly the files dckpt pack puts into the container, in
# the container's order: it listed the bookkeeping of the runs that used DIR
# too (index/, leases/, runs/, HALT), which no container holds, so ls DIR and
# ls of its container differed. DIR here has what a halted, resumed shared
# campaign leaves, and files of no run.
case_ls_pack() {
  make_fixture
  local t0=$DIR/algorithm_0/trial_0 c=$WORK/c.h5
  mkdir -p "$DIR/index" "$DIR/leases" "$DIR/runs/nightly" "$DIR/results" \
    "$DIR/algorithm_2/trial_0" "$DIR/algorithm_0/trial_7"
  echo idx >"$DIR/index/run-0123456789abcdef0123456789abcdef.idx"
  echo '{}' >"$DIR/leases/pair.0.2.lease"
  echo '{}' >"$DIR/leases/run.node1.4242.lease"
  echo '{"status":"EINTERRUPTED"}' >"$DIR/runs/nightly/run_status.json"
  : >"$DIR/runs/nightly/HALT"
  : >"$DIR/HALT"
  echo 'host node1 pid 4242' >"$DIR/dckpt.lock"
  echo tmp >"$DIR/.dckpt-tmp.metadata.json.node1.4242.Xa12"
  echo '{"status":"OK","exit_code":0}' >"$DIR/run_status.json"
  echo b >"$DIR/results/b.csv"
  echo a >"$DIR/results/a.txt"
  echo z >"$DIR/results/Z.md"
  echo n >"$t0/notes.txt"
  cp "$t0/checkpoint_0000014.dckpt" "$t0/checkpoint_14.dckpt" # not the layout's spelling
  cp "$t0/checkpoint_0000014.dckpt" "$DIR/algorithm_2/trial_0/checkpoint_0000014.dckpt"
  cp "$t0/checkpoint_0000014.dckpt" "$DIR/algorithm_0/trial_7/checkpoint_0000014.dckpt"
  run 0 ls "$DIR"
  cp "$OUT" "$WORK/dir.txt"
  for x in index/ leases/ runs/ HALT dckpt.lock .dckpt-tmp notes.txt checkpoint_14.dckpt \
    algorithm_2/ trial_7/; do
    hasnt "$OUT" "$x"
  done
  # run_status.json and results/ are the run's (pack keeps them), by name
  sed -n 6,9p "$OUT" >"$WORK/root.txt"
  printf '%s\n' run_status.json results/Z.md results/a.txt results/b.csv | diff - "$WORK/root.txt" >&2 ||
    fail "ls DIR: run_status.json and results/ not after the layout's root files, by name"
  run 0 ls "$DIR" -l
  awk '{print $1, $3}' "$OUT" >"$WORK/dir-l.txt"
  # the lock and the registration above cannot be judged: --ignore-lock
  run 0 pack "$DIR" "$c" --ignore-lock --quiet
  run 0 ls "$c"
  diff "$WORK/dir.txt" "$OUT" >&2 || fail "ls DIR and ls of its container differ"
  run 0 ls "$c" -l
  awk '{print $1, $3}' "$OUT" | diff "$WORK/dir-l.txt" - >&2 ||
    fail "ls -l DIR and ls -l of its container differ in kinds"
  # PREFIX: the same rule
  run 0 ls "$DIR" algorithm_0/trial_0
  cp "$OUT" "$WORK/t0.txt"
  run 0 ls "$c" algorithm_0/trial_0
  diff "$WORK/t0.txt" "$OUT" >&2 || fail "ls DIR PREFIX and ls FILE.h5 PREFIX differ"
  [ "$(format_version "$c")" = 2 ] || fail "a pack without subdirectories in results/ is not version 2"
  # a metadata.json that cannot be read: pack and ls refuse it alike, naming it
  cp "$DIR/metadata.json" "$WORK/metadata.json"
  echo '{"n_trials":' >"$DIR/metadata.json"
  run 1 pack "$DIR" "$WORK/bad.h5" --ignore-lock
  has "$ERR" "'$DIR/metadata.json': malformed JSON at byte 13 (ECORRUPT)"
  run 1 ls "$DIR"
  has "$ERR" "'$DIR/metadata.json': malformed JSON at byte 13 (ECORRUPT)"
  [ ! -s "$OUT" ] || fail "ls listed what pack refuses"
  cp "$WORK/metadata.json" "$DIR/metadata.json"
  results_tree
}

# The container format version of FILE.h5.
format_version() {
  "$PY" -c 'import h5py, sys; print(int(h5py.File(sys.argv[1], "r").attrs["format_version"]))' "$1"
}

# results/ holding subdirectories (as a plot tool makes them): pack refused
# the whole campaign ("'DIR/results/plots' is not a regular file", EINVAL), so
# dckpt-bench --container failed at its end. The container holds every
# regular file of the tree with its relative path (format version 3), ls DIR
# and ls FILE.h5 list the same, unpack gives back the same tree byte for
# byte; links (not followed), FIFOs and names a container does not allow are
# left out with a warning naming each; a tree nested too deep or a path too
# long is refused naming it, nothing written.
results_tree() {
  local c=$WORK/tree.h5 u=$WORK/unpacked
  mkdir -p "$DIR/results/plots/by_alg/dgd" "$DIR/results/empty" "$DIR/results/.cache" \
    "$WORK/outside"
  echo loss >"$DIR/results/plots/loss.csv"
  printf 'x\0y\377' >"$DIR/results/plots/by_alg/dgd/a.bin"
  echo md >"$DIR/results/plots.md"
  echo hidden >"$DIR/results/.cache/x"
  echo secret >"$WORK/outside/secret.txt"
  mkfifo "$DIR/results/pipe"
  ln -s plots/loss.csv "$DIR/results/latest.csv"
  ln -s "$WORK/outside" "$DIR/results/outside"
  ln -s .. "$DIR/results/plots/up"
  printf '%s\n' results/Z.md results/a.txt results/b.csv results/plots/by_alg/dgd/a.bin \
    results/plots/loss.csv results/plots.md >"$WORK/want.txt"
  run 0 ls "$DIR" results
  diff "$WORK/want.txt" "$OUT" >&2 || fail "ls DIR results: not every regular file of the tree, in order"
  run 0 ls "$DIR"
  cp "$OUT" "$WORK/dir.txt"
  run 0 pack "$DIR" "$c" --ignore-lock
  for x in results/pipe results/latest.csv results/outside results/plots/up results/.cache; do
    matches "$ERR" "leaving out '$DIR/$x': "
  done
  has "$ERR" "'$DIR/results/pipe': a FIFO, not a regular file"
  has "$ERR" "'$DIR/results/latest.csv': a symbolic link, not followed"
  [ "$(format_version "$c")" = 3 ] || fail "a pack of files in subdirectories of results/ is not version 3"
  run 0 ls "$c"
  diff "$WORK/dir.txt" "$OUT" >&2 || fail "ls DIR and ls of its container differ (results/ tree)"
  run 0 ls "$c" results/plots
  grep -F results/plots/ "$WORK/want.txt" | diff - "$OUT" >&2 || fail "ls FILE.h5 results/plots"
  run 0 verify "$c"
  "$PY" "$(dirname "$0")/../../examples/read_container.py" "$c" 0 0 >"$OUT" 2>"$ERR" ||
    fail "examples/read_container.py does not read a version-3 container"
  run 0 unpack "$c" "$u"
  (cd "$DIR/results" && find . -type f ! -path './.cache/*' | sort) >"$WORK/tree-dir.txt"
  (cd "$u/results" && find . | sort) >"$WORK/tree-unpacked.txt"
  printf '%s\n' . ./Z.md ./a.txt ./b.csv ./plots ./plots.md ./plots/by_alg ./plots/by_alg/dgd \
    ./plots/by_alg/dgd/a.bin ./plots/loss.csv | diff - "$WORK/tree-unpacked.txt" >&2 ||
    fail "unpack: results/ is not the tree of the regular files"
  while read -r f; do
    cmp "$DIR/results/$f" "$u/results/$f" || fail "unpack: results/$f differs"
  done <"$WORK/tree-dir.txt"
  [ "$(wc -l <"$WORK/tree-dir.txt")" = 6 ] || fail "the test's tree changed"
  rm "$DIR/results/pipe" "$DIR/results/outside" "$DIR/results/plots/up" # for the limits
  # 16 directories below results/ are held, 17 refused, naming the directory
  local deep=$DIR/results/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16
  mkdir -p "$deep"
  echo deep >"$deep/ok.txt"
  run 0 ls "$DIR" results/d1
  has "$OUT" "results/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/ok.txt"
  mkdir "$deep/d17"
  run 1 pack "$DIR" "$WORK/deep.h5" --ignore-lock
  has "$ERR" "a directory 17 levels below results/, where a container holds files at most 16 directories deep: '$deep/d17'"
  [ ! -e "$WORK/deep.h5" ] || fail "a refused pack left a file"
  run 1 ls "$DIR"
  has "$ERR" "a directory 17 levels below results/, where a container holds files at most 16 directories deep: '$deep/d17'"
  rm -r "$DIR/results/d1"
  # a path in the run longer than 1024 bytes: refused, naming it
  local long=$DIR/results/$(printf 'x%.0s' {1..250})/$(printf 'y%.0s' {1..250})
  long=$long/$(printf 'z%.0s' {1..250})/$(printf 'w%.0s' {1..250})
  mkdir -p "$long"
  echo long >"$long/$(printf 'v%.0s' {1..100})"
  run 1 pack "$DIR" "$WORK/long.h5" --ignore-lock
  has "$ERR" "pack: a path in the run of 1112 bytes, longer than the 1024 bytes a container holds: '$DIR/results/xxx"
  [ ! -e "$WORK/long.h5" ] || fail "a refused pack left a file"
  run 1 ls "$DIR"
  has "$ERR" "a path in the run of 1112 bytes, longer than the 1024 bytes a container holds: '$DIR/results/xxx"
}

case_metadata() {
  make_fixture
  run 0 metadata "$DIR"
  py '
import json, sys
d = json.load(sys.stdin)
assert d["n_trials"] == 3 and d["rng_seed"] == 42, d
assert [(a["name"], a["iterations"], a["index"]) for a in d["algorithms"]] == [("DGD", 20, 0), ("EXTRA", 10, 1)]
assert d["benchmark_metadata"] == {"problem": "quadratic", "agents": 8}, d
'
  # a KEY set twice in one command was last-wins: refused, nothing written
  cp "$DIR/metadata.json" "$WORK/before.json"
  run 2 metadata "$DIR" --set tag=hello --set agents=16 --set tag=later
  has "$ERR" "dckpt metadata: --set 'tag=later': key 'tag' is set twice; set it once"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  run 0 metadata "$DIR" --set tag=hello
  # '007' and '1.' are no JSON numbers: cJSON read them as 7 and 1 and a
  # build tag lost its zeros; kept as strings now
  run 0 metadata "$DIR" --set agents=16 --set 'obj={"a":[1,2]}' \
    --set flag=true --set 'quoted="42"' --set ratio=0.5 --set tag=later \
    --set build=007 --set dot=1. --set neg=-0 --set exp=1e-8
  run 0 metadata "$DIR"
  py '
import json, sys
m = json.load(sys.stdin)["benchmark_metadata"]
want = {"problem": "quadratic", "agents": 16, "tag": "later", "obj": {"a": [1, 2]},
        "flag": True, "quoted": "42", "ratio": 0.5, "build": "007", "dot": "1.",
        "neg": 0, "exp": 1e-8}
assert m == want, m
'
  run 1 metadata "$WORK/missing"
  has "$ERR" "$WORK/missing"
  # A value nested so deep that metadata.json could not be read back: refused
  # by name, the file unchanged (it was written, and the run was lost).
  cp "$DIR/metadata.json" "$WORK/before.json"
  local deep
  deep=$("$PY" -c 'print("[" * 999 + "]" * 999)')
  run 1 metadata "$DIR" --set "deep=$deep"
  has "$ERR" "metadata.json' not written (left as it was)"
  has "$ERR" "nested deeper than 1000 levels"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  run 0 status "$DIR"
  # One level deeper the value itself cannot be taken: the message says why.
  deep=$("$PY" -c 'print("[" * 1000 + "]" * 1000)')
  run 1 metadata "$DIR" --set "deep=$deep"
  has "$ERR" "nested deeper than 1000 levels"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  # 1e999 is JSON's grammar but no double: it was stored as null, silently.
  run 2 metadata "$DIR" --set big=1e999
  has "$ERR" "--set 'big=1e999': a number beyond the range of a double"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  # A key twice in a VALUE's object was written so: dckpt read the first,
  # Python and jq the last.
  run 1 metadata "$DIR" --set 'obj={"a":1,"a":2}'
  has "$ERR" 'append_metadata argument: key "a" appears twice in one object'
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  # Bytes that are not UTF-8 in KEY or VALUE (a JSON string's too) were stored
  # as they were: metadata.json was then no JSON for Python or jq. Refused as
  # usage errors naming the byte and its offset; nothing written.
  run 2 metadata "$DIR" --set "$(printf 'k\xffey=1')"
  has "$ERR" "dckpt metadata: --set KEY=VALUE: the KEY is not UTF-8: byte 0xff at offset 1 of the argument"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  run 2 metadata "$DIR" --set ok=1 --set "$(printf 'note="caf\xc3"')"
  has "$ERR" "the VALUE is not UTF-8: byte 0xc3 at offset 9 of the argument"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  run 2 metadata "$DIR" --set "$(printf 'latin1=\xe9t\xe9')"
  has "$ERR" "the VALUE is not UTF-8: byte 0xe9 at offset 7 of the argument"
  cmp -s "$DIR/metadata.json" "$WORK/before.json" || fail "metadata.json changed"
  # UTF-8 is taken as it is
  run 0 metadata "$DIR" --set "$(printf 'caf\xc3\xa9=\xe2\x82\xac')"
  "$PY" -c '
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))["benchmark_metadata"]
assert m["caf\u00e9"] == "\u20ac", m
' "$DIR/metadata.json" || fail "metadata.json lacks the UTF-8 key"
}

# pack's numbers in the ranges of dckpt_container.h (DCKPT_CONTAINER_*):
# a well-formed value out of range was passed to the library, which refused
# it naming its own field ("chunk_bytes") with exit 1. Now a usage error
# naming the option as typed, with the range, before DIR is even looked at
# (DIR does not exist here: exit 1 would mean it was).
case_pack_options() {
  local none=$WORK/no-such-dir out=$WORK/p.h5 v
  for v in 0 4095 4097 4100 65M 1G 99999999999999999999; do
    run 2 pack "$none" "$out" --chunk "$v"
    has "$ERR" "option '--chunk': '$v' "
    hasnt "$ERR" "chunk_bytes"
  done
  run 2 pack "$none" "$out" --chunk 4095
  has "$ERR" "dckpt pack: option '--chunk': '4095' is out of range: a multiple of 8 bytes in 4K..64M (4096..67108864 bytes)"
  run 2 pack "$none" "$out" --chunk=64M --buffer 1K
  has "$ERR" "dckpt pack: option '--buffer': '1K' is out of range: from the chunk size (67108864 bytes) up to 1024G (1099511627776 bytes)"
  hasnt "$ERR" "buffer_bytes"
  run 2 pack "$none" "$out" --buffer 18446744073709551615
  has "$ERR" "option '--buffer': '18446744073709551615' is out of range"
  run 2 pack "$none" "$out" --buffer 1025G
  has "$ERR" "option '--buffer': '1025G' is out of range"
  # the default chunk (256K) bounds --buffer from below
  run 2 pack "$none" "$out" --buffer 255K
  has "$ERR" "from the chunk size (262144 bytes)"
  # not byte counts at all: sign, fraction, IEC unit, space, empty, 2^64
  for v in -1 1.5M 1KiB "1 K" "" K 0x1000 99999999999999999999; do
    run 2 pack "$none" "$out" --buffer "$v"
    has "$ERR" "option '--buffer': '$v' is not a byte count (digits and an optional K, M or G"
  done
  [ ! -e "$out" ] || fail "a refused pack wrote $out"
  # the bounds themselves are taken: DIR missing is then what fails (exit 1)
  run 1 pack "$none" "$out" --chunk 4K --buffer 4k
  has "$ERR" "no-such-dir"
  run 1 pack "$none" "$out" --chunk 64m --buffer 1024G
  has "$ERR" "no-such-dir"
}

# dckpt links no HDF5 and no MPI; what needs them is handed to dckpt-h5.
case_handoff() {
  make_fixture
  ldd "$DCKPT" >"$OUT" 2>"$ERR" || fail "ldd $DCKPT failed"
  for lib in libhdf5 libmpi libdckpt_container libopen-pal; do hasnt "$OUT" "$lib"; done
  run 0 pack --help
  has "$OUT" "Usage: [mpirun -np N] dckpt pack DIR FILE.h5"
  # strtol took ' 3' and '+3' as levels; '010K' is no byte count either
  for v in " 3" "+3" "03" "-07" "3 " "" "23"; do
    run 2 pack "$DIR" "$WORK/big.h5" --level "$v"
    has "$ERR" "option '--level': '$v' is not an integer in -7..22"
  done
  run 2 pack "$DIR" "$WORK/big.h5" --level 3 --level=19
  has "$ERR" "dckpt pack: option '--level' given twice ('3' and '19'): give it once"
  run 2 pack "$DIR" "$WORK/big.h5" --chunk 1M --chunk 2M
  has "$ERR" "option '--chunk' given twice"
  run 2 pack "$DIR" "$WORK/big.h5" --chunk 010K
  has "$ERR" "option '--chunk': '010K' is not a byte count"
  # a byte count beyond 2^64 was read as 2^64 - 1 (and the pack then spun)
  run 2 pack "$DIR" "$WORK/big.h5" --buffer 99999999999999999999
  has "$ERR" "option '--buffer': '99999999999999999999' is not a byte count"
  [ ! -e "$WORK/big.h5" ] || fail "a refused pack wrote big.h5"
  # an HDF5 signature makes the argument a container, whatever follows it
  printf '\211HDF\r\n\032\nnot a container' >"$WORK/fake.h5"
  run 2 verify "$WORK/fake.h5"
  has "$ERR" "dckpt verify: "
  has "$ERR" "fake.h5"
  hasnt "$ERR" "dckpt-h5"
  run 1 ls "$WORK/fake.h5"
  has "$ERR" "dckpt ls: "
  run 1 dump "$WORK/fake.h5/benchmark_problem.dckpt"
  has "$ERR" "dckpt dump: "
  run 1 status "$WORK/fake.h5"
  has "$ERR" "dckpt status: "
  hasnt "$ERR" "dckpt-h5"
  run 0 verify "$DIR"
  # without dckpt-h5 beside it: the directory commands work, the others say why
  mkdir -p "$WORK/alone"
  cp "$DCKPT" "$WORK/alone/dckpt"
  DCKPT=$WORK/alone/dckpt
  run 0 status "$DIR"
  run 1 pack "$DIR" "$WORK/c.h5"
  has "$ERR" "dckpt pack: HDF5 containers are handled by dckpt-h5, which did not start"
  has "$ERR" "libexec/dckpt/dckpt-h5"
  run 2 verify "$WORK/fake.h5"
  has "$ERR" "dckpt-h5"
  [ ! -e "$WORK/c.h5" ] || fail "a pack without dckpt-h5 wrote c.h5"
}

"case_$CASE" || fail "case returned $?"
echo "ok [$CASE]"
