#!/usr/bin/env bash
# No library code outside src/io/ changes a file by a system call of its own:
# every create, write, truncate, sync, rename, link, unlink, mkdir and rmdir
# goes through io/ (io/sys.h at the bottom), so that the power-loss tests,
# which record what io/ does, see every one of them. Opening for reading and
# closing a file that was only read are fine anywhere.
# Usage: syscalls.sh SOURCE_DIR
set -euo pipefail
cd "$1"
[ -f src/io/sys.h ] || { echo "FAIL: src/io/sys.h not found under $1" >&2; exit 1; }
mapfile -t files < <(find src -path src/io -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | sort)
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no C files under $1/src" >&2; exit 1; }
before='(^|[^_[:alnum:].>])'
calls='(creat|write|writev|pwrite|pwritev|fsync|fdatasync|syncfs|sync|sync_file_range|rename|renameat|renameat2|link|linkat|symlink|symlinkat|unlink|unlinkat|remove|mkdir|mkdirat|rmdir|truncate|ftruncate|fallocate|posix_fallocate|mkstemp|mkostemp|mkdtemp|tmpfile|chmod|fchmod|archive_write_open_fd|archive_write_open_filename|archive_write_open_FILE)'
bad=0
report() { echo "$1: $2" >&2; bad=$((bad + 1)); }
for f in "${files[@]}"; do
  # Comment lines (starting with /*, * or //) are prose, not calls.
  while IFS= read -r hit; do
    report "$f" "$hit"
  done < <(grep -nE "${before}${calls}[[:space:]]*\(" "$f" | grep -vE '^[0-9]+:[[:space:]]*(/\*|\*|//)' || true)
  # open/openat/fopen only for reading.
  while IFS= read -r hit; do
    report "$f" "$hit (opens for writing)"
  done < <(grep -nE "${before}(open|openat)[[:space:]]*\(.*O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)" "$f" || true)
  while IFS= read -r hit; do
    report "$f" "$hit (fopen for writing)"
  done < <(grep -nE "${before}fopen[[:space:]]*\(" "$f" | grep -vE "fopen[[:space:]]*\([^,]*,[[:space:]]*\"r[eb]*\"" || true)
done
if [ "$bad" -gt 0 ]; then
  echo "FAIL: $bad file-changing system call(s) outside src/io/; use io/ (atomic.h, fs.h, sys.h)" >&2
  exit 1
fi
echo "syscalls.sh: ${#files[@]} files outside src/io/ change files only through io/"
