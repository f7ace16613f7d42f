#!/usr/bin/env python3
"""Code-shape figures for the architecture notes: per crate, the number of .rs files, the
median and largest file in lines, the largest function (lines from `fn` to its closing brace),
and the import cycles between the orchestrator's top-level modules (edges from `crate::X`
paths; `cli` is the one module allowed to close a cycle). Usage: scripts/code-metrics.py [ROOT]."""
import os
import re
import statistics
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
CRATES = ["schema", "worker", "orchestrator", "tests"]
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def rs_files(d):
    for base, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x not in ("target", "snapshots")]
        for f in files:
            if f.endswith(".rs"):
                yield os.path.join(base, f)


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            code = lines[j].split("//")[0]
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                out.append((j - i + 1, m.group(6), i + 1))
                break
            if not opened and code.rstrip().endswith(";"):
                break
    return out


def cycles(src):
    edges = {}
    for p in rs_files(src):
        rel = os.path.relpath(p, src)
        top = rel.split(os.sep)[0].removesuffix(".rs")
        if top in ("lib", "main"):
            continue
        text = open(p, encoding="utf-8").read()
        for m in re.finditer(r"crate::(\w+)", text):
            if m.group(1) != top:
                edges.setdefault(top, set()).add(m.group(1))
    found = set()

    def walk(node, path):
        for nxt in edges.get(node, ()):
            if nxt in path:
                cyc = path[path.index(nxt):]
                if "cli" not in cyc:
                    k = min(range(len(cyc)), key=lambda i: cyc[i])
                    found.add(" -> ".join(cyc[k:] + cyc[:k] + [cyc[k]]))
            elif len(path) < 8:
                walk(nxt, path + [nxt])

    for n in list(edges):
        walk(n, [n])
    return sorted(found)


for c in CRATES:
    files = list(rs_files(os.path.join(ROOT, c)))
    sizes = [sum(1 for _ in open(f, encoding="utf-8")) for f in files]
    fns = [(n, name, os.path.relpath(f, ROOT), line) for f in files for (n, name, line) in functions(f)]
    big = max(fns) if fns else (0, "-", "-", 0)
    over = sum(1 for s in sizes if s > 300)
    print(f"{c}: {len(files)} files, median {statistics.median(sizes):.0f} lines, largest "
          f"{max(sizes)}, {over} over 300; largest fn {big[1]} ({big[0]} lines, {big[2]}:{big[3]})")
cyc = cycles(os.path.join(ROOT, "orchestrator", "src"))
print(f"orchestrator import cycles not through cli: {len(cyc)}")
for x in cyc:
    print("  " + x)
