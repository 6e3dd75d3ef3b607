#!/usr/bin/env python3
"""The floors of src/ (docs/design.md, "Layers"), checked on every build:

1. a layer includes only its own headers and those of layers below it:
   util < io < format < store < {runtime, container};
2. within the folders named on the command line, the files of a folder do
   not call one another in a loop: the graph "file A calls a function
   defined in file B" (read from the compiled objects with nm) is acyclic.

usage: layers.py SRC_DIR FOLDER[,FOLDER...] OBJECT...
Prints every violation and exits 1 when there is one."""
import os
import re
import subprocess
import sys

ORDER = {"util": 0, "io": 1, "format": 2, "store": 3, "runtime": 4, "container": 4}


def include_violations(src):
    bad = []
    for folder, rank in ORDER.items():
        base = os.path.join(src, folder)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            if not name.endswith((".c", ".h")):
                continue
            text = open(os.path.join(base, name), encoding="utf-8").read()
            for m in re.finditer(r'^#include "([a-z_]+)/', text, re.M):
                other = m.group(1)
                if other in ORDER and other != folder and ORDER[other] >= rank:
                    bad.append(f"src/{folder}/{name} includes {other}/ (a layer not below it)")
    return bad


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def cycles(folder, objects):
    files = {}
    for obj in objects:
        parent = os.path.basename(os.path.dirname(obj))
        if parent == folder:
            files[os.path.basename(obj).replace(".c.o", ".c")] = symbols(obj)
    owner = {s: f for f, (d, _) in files.items() for s in d}
    graph = {f: sorted({owner[s] for s in u if s in owner and owner[s] != f})
             for f, (_, u) in files.items()}
    found, state = [], {}

    def visit(node, path):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                loop = path[path.index(nxt):] + [nxt]
                found.append(f"src/{folder}: " + " -> ".join(loop))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for f in sorted(graph):
        if f not in state:
            visit(f, [f])
    return found


def main():
    src, folders, objects = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    bad = include_violations(src)
    for folder in folders:
        bad += cycles(folder, objects)
    for line in bad:
        print("FAIL:", line)
    if not bad:
        print(f"layers: includes follow util < io < format < store < runtime/container; "
              f"no file loops in {', '.join(folders)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
