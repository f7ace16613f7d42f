"""Reading a GPU check's output folder: catalogue, device list, phase log and each run's rows
and manifest (the layout `scripts/gpu-check.sh` writes, described in docs/gpu.md). It only
reads; it never judges.
"""

import json
import os

from .errors import BadInput


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None
    except ValueError as e:
        raise BadInput(f"{path} is not valid json: {e}") from None


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def read_run(store):
    """(rows, manifest or None) of the one run directory under `store`, ([], None) if none."""
    try:
        dirs = sorted(d for d in os.listdir(store) if os.path.isdir(os.path.join(store, d)))
    except OSError:
        return [], None
    rows, manifest = [], None
    for d in dirs:
        text = read_text(os.path.join(store, d, "rows.jsonl")) or ""
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    if n != len(text.splitlines()):  # a torn last line is skipped, as nbench does
                        raise BadInput(f"{store}/{d}/rows.jsonl line {n} is not json") from None
        m = os.path.join(store, d, "manifest.json")
        if os.path.exists(m):
            manifest = read_json(m)
    return rows, manifest


def read_phases(path):
    """{run name: (exit code, seconds, the arguments it ran with)} from phases.tsv."""
    out = {}
    for n, line in enumerate((read_text(path) or "").splitlines(), 1):
        parts = line.split("\t")
        try:
            out[parts[0]] = (int(parts[1]), float(parts[2]), parts[3] if len(parts) > 3 else "")
        except (IndexError, ValueError):
            raise BadInput(f"{path} line {n} is not NAME<TAB>EXIT<TAB>SECONDS<TAB>ARGS") from None
    return out
