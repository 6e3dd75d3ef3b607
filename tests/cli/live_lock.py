"""A live lock, held by `dckpt clear` while it waits at its prompt on a
pseudo-terminal: `status` must name the holder as alive, `metadata --set` and
a second `clear` must be refused, also with --break-lock, and after the answer
"n" the lock is gone.

usage: live_lock.py DCKPT DIR
"""
import json
import os
import pty
import select
import socket
import subprocess
import sys
import time

dckpt, d = sys.argv[1:3]


def run(*args):
    p = subprocess.run([dckpt, *args], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(cond, what, *ctx):
    if not cond:
        print("FAIL:", what, *ctx, file=sys.stderr)
        sys.exit(1)


master, slave = pty.openpty()
holder = subprocess.Popen([dckpt, "clear", d], stdin=slave, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
os.close(slave)
prompt = b""
deadline = time.time() + 30
while b"[y/N]" not in prompt and time.time() < deadline:
    ready, _, _ = select.select([holder.stderr], [], [], 1.0)
    if ready:
        chunk = os.read(holder.stderr.fileno(), 4096)
        check(chunk, "clear ended before prompting", prompt)
        prompt += chunk
check(b"[y/N]" in prompt, "no prompt from clear", prompt)

rc, out, err = run("status", d)
want = "lock:      held by host %s, pid %d, since " % (socket.gethostname(), holder.pid)
check(rc == 0 and want in out and "stale" not in out, "status with a live lock", rc, out, err)
rc, out, err = run("status", d, "--json")
lock = json.loads(out)["lock"]
check(lock["pid"] == holder.pid and lock["stale"] is False, "status --json lock", lock)

rc, out, err = run("metadata", d, "--set", "a=1")
check(rc == 1 and "dckpt.lock" in err and "ELOCKED" in err, "metadata --set while locked",
      rc, err)
rc, out, err = run("clear", d, "--yes")
check(rc == 1 and "ELOCKED" in err and os.path.isdir(d), "clear while locked", rc, err)
# --break-lock never breaks a lock that a live process holds
rc, out, err = run("metadata", d, "--set", "a=1", "--break-lock")
check(rc == 1 and "ELOCKED" in err, "metadata --set --break-lock while locked", rc, err)
rc, out, err = run("clear", d, "--yes", "--break-lock")
check(rc == 1 and "ELOCKED" in err and os.path.isdir(d), "clear --break-lock while locked",
      rc, err)

os.write(master, b"n\n")
out, err = holder.communicate(timeout=30)
check(holder.returncode == 1 and b"nothing removed" in err, "answer n", holder.returncode, err)
rc, out, err = run("status", d)
check(rc == 0 and "lock:      none" in out, "lock released after clear", out)
