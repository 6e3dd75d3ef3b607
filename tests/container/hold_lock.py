#!/usr/bin/python3
"""Runs a command while a live run holds DIR's lock: `dckpt clear DIR` waiting
at its prompt on a pseudo-terminal holds it (as tests/cli/live_lock.py does).
Answers "n" afterwards, so DIR stays as it was; exits with the command's status.

usage: hold_lock.py DCKPT DIR -- CMD [ARGS...]
"""
import os
import pty
import select
import subprocess
import sys
import time

dckpt, d = sys.argv[1:3]
cmd = sys.argv[sys.argv.index("--") + 1:]
master, slave = pty.openpty()
holder = subprocess.Popen([dckpt, "clear", d], stdin=slave, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
os.close(slave)
prompt, deadline = b"", time.time() + 60
while b"[y/N]" not in prompt and time.time() < deadline and holder.poll() is None:
    ready, _, _ = select.select([holder.stderr], [], [], 1.0)
    if ready:
        prompt += os.read(holder.stderr.fileno(), 4096)
if b"[y/N]" not in prompt:
    sys.exit(f"hold_lock.py: 'dckpt clear' did not reach its prompt: {prompt!r}")
code = subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
os.write(master, b"n\n")
holder.wait(timeout=60)
sys.exit(code)
