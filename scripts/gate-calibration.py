#!/usr/bin/env python3
"""Gate calibration: false alarms and detection of `nbench compare` and `nbench ab`.

Measures what reports/gate-calibration.md reports, with the settings it names: calib.spin at
100 points (work = 10, 12, ..., 208), four seeds, a shortened policy; slowdowns injected with
NBENCH_CALIB_SCALE (the probe's work times the factor; keys and digests unchanged).

    python3 scripts/gate-calibration.py measure OUT [STEP...]   # runs (default: the main steps)
    python3 scripts/gate-calibration.py evaluate OUT            # tables from the stored runs

The control steps (CONTROL below; `measure OUT control`) isolate the effect of the plan order on
`compare` of separate runs: the same campaign's A/A and +10 % runs, alternating in time between
a binary with the old order (probe, point, seed, backend) in OUT/bin-old/nbench and the current
one. Build the old one from this tree with the planner of commit b9d8fec:

    git show b9d8fec:orchestrator/src/planner.rs > orchestrator/src/planner.rs
    cargo build --release -p nbench --bin nbench
    mkdir -p OUT/bin-old && cp target/release/nbench OUT/bin-old/
    git checkout orchestrator/src/planner.rs

`measure` copies target/release/{nbench,nbench-worker} into OUT/bin first (once), so a rebuild
during the campaign does not change what is measured. Set NBENCH_LOCK=/path/to/lockfile to run
every benchmark step under an exclusive lock on it (one lock per run, so other users of a shared
machine get turns between runs: nbench takes that lock itself), and the evaluation's
comparisons under `flock -s`.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ",".join(str(w) for w in range(10, 209, 2))  # 100 points
POLICY = ["--warmup", "0.02", "--min-samples", "15", "--time-cap", "0.1",
          "--sample-target", "0.0005"]
COMMON = ["--family", "calib", "--match", "calib.spin", "--param", f"work={WORK}", *POLICY]

# name -> (mode, scale): separate runs for `compare`, interleaved runs for `ab`.
STEPS = {
    "aa1": ("run", None), "aa2": ("run", None), "aa3": ("run", None),
    "s105": ("run", "1.05"), "s110": ("run", "1.10"), "s110b": ("run", "1.10"),
    "ab-aa": ("ab", None), "ab-aa2": ("ab", None), "ab-s105": ("ab", "1.05"),
    "ab-s110": ("ab", "1.10"), "ab-s110b": ("ab", "1.10"),
}
# The control, in the order it runs: old and new plan order alternate, so both see the same
# machine phases. A name starting with `old-` runs OUT/bin-old/nbench.
CONTROL = {
    "old-aa1": ("run", None), "new-aa1": ("run", None),
    "old-s110": ("run", "1.10"), "new-s110": ("run", "1.10"),
    "old-aa2": ("run", None), "new-aa2": ("run", None),
    "old-s110b": ("run", "1.10"), "new-s110b": ("run", "1.10"),
}
ALL_STEPS = {**STEPS, **CONTROL}

# label -> (truth, [(baseline run, current run)]) for separate runs.
COMPARES = {
    "A/A": ("none", [("aa1", "aa2"), ("aa1", "aa3"), ("aa2", "aa3")]),
    "+5 %": ("+5 %", [("aa1", "s105"), ("aa2", "s105"), ("aa3", "s105")]),
    "+10 %": ("+10 %", [(a, s) for s in ("s110", "s110b") for a in ("aa1", "aa2", "aa3")]),
}
ABS = {"A/A": ("none", ["ab-aa", "ab-aa2"]), "+5 %": ("+5 %", ["ab-s105"]),
       "+10 %": ("+10 %", ["ab-s110", "ab-s110b"])}


def locked(cmd, exclusive):
    # `nbench run`/`ab` take NBENCH_LOCK exclusively themselves; an outer `flock -x` on the
    # same file would make them wait for it forever.
    lock = os.environ.get("NBENCH_LOCK")
    return (["flock", "-s", lock] if lock and not exclusive else []) + cmd


def measure(out, steps):
    bindir = out / "bin"
    if not bindir.exists():
        bindir.mkdir(parents=True)
        for b in ("nbench", "nbench-worker"):
            shutil.copy2(ROOT / "target" / "release" / b, bindir / b)
    w = str(bindir / "nbench-worker")
    for name in steps:
        mode, scale = ALL_STEPS[name]
        nb = str(out / ("bin-old" if name.startswith("old-") else "bin") / "nbench")
        if not Path(nb).is_file():
            sys.exit(f"{nb} is missing: build the old-order binary first (see the top of this script)")
        store = out / "runs" / name
        if store.exists():
            print(f"{name}: already measured, skipped", flush=True)
            continue
        env = dict(os.environ)
        if mode == "run":
            cmd = [nb, "run", "--worker", w, *COMMON, "--store", str(store)]
            if scale:
                env["NBENCH_CALIB_SCALE"] = scale
        else:
            cand = w
            if scale:
                cand = str(bindir / f"w{scale.replace('.', '')}")
                Path(cand).write_text(f'#!/bin/sh\nNBENCH_CALIB_SCALE={scale} exec {w} "$@"\n')
                os.chmod(cand, 0o755)
            cmd = [nb, "ab", "--baseline-worker", w, "--candidate-worker", cand, *COMMON,
                   "--store", str(store), "--format", "json", "--out", str(out / f"{name}.json")]
        t0 = time.time()
        r = subprocess.run(locked(cmd, True), env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        print(f"{name}: exit {r.returncode} in {time.time() - t0:.1f} s", flush=True)


def run_dir(out, name):
    dirs = sorted(p for p in (out / "runs" / name).iterdir() if p.is_dir())
    if len(dirs) != 1:
        sys.exit(f"{out / 'runs' / name}: expected one run, found {len(dirs)}")
    return dirs[0]


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_facts(d):
    """Wall seconds of the run (manifest) and worker seconds summed over its rows."""
    m = json.loads((d / "manifest.json").read_text())
    t = [datetime.fromisoformat(m[k].replace("Z", "+00:00")) for k in ("started_at", "finished_at")]
    rs = rows(d / "rows.jsonl")
    return (t[1] - t[0]).total_seconds(), rs


def compare(nb, a, b):
    t0 = time.time()
    r = subprocess.run(locked([nb, "compare", str(a), str(b), "--format", "json"], False),
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"compare {a} {b} exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout), r.returncode, time.time() - t0


def worker_s(rs):
    return sum(r["worker"]["wall_s"] for r in rs)


def evaluate(out):
    nb = str(out / "bin" / "nbench")
    split = out / "split"
    split.mkdir(exist_ok=True)
    result = {"compare": {}, "ab": {}}
    walls = {"run": [], "ab": []}
    for label, (truth, pairs) in COMPARES.items():
        per = []
        for a, b in pairs:
            da, db = run_dir(out, a), run_dir(out, b)
            wa, ra = run_facts(da)
            wb, rb = run_facts(db)
            doc, code, secs = compare(nb, da / "rows.jsonl", db / "rows.jsonl")
            s = doc["summary"]
            per.append({"pair": f"{a} vs {b}", "exit": code, "points": s["points"],
                        "keys": s["matched_keys"], "flagged": s["regressions"],
                        "warnings": s["warnings"], "improvements": s["improvements"],
                        "samples_per_point": s["samples"] / s["points"],
                        "worker_s_per_point": (worker_s(ra) + worker_s(rb)) / s["points"],
                        "analysis_s_per_point": secs / s["points"],
                        "misses": [p["params"] for p in doc["points"]
                                   if truth != "none" and p["verdict"] != "regression"]})
        result["compare"][label] = {"truth": truth, "comparisons": per}
    for name in STEPS:
        if STEPS[name][0] == "run":
            walls["run"].append(run_facts(run_dir(out, name))[0])
    for label, (truth, names) in ABS.items():
        per = []
        for name in names:
            d = run_dir(out, name)
            wall, rs = run_facts(d)
            walls["ab"].append(wall)
            base = [r for r in rs if r.get("variant") == "baseline"]
            cand = [r for r in rs if r.get("variant") == "candidate"]
            files = []
            for side, rr in (("baseline", base), ("candidate", cand)):
                f = split / f"{name}-{side}.jsonl"
                f.write_text("".join(json.dumps(r) + "\n" for r in rr))
                files.append(f)
            doc, code, secs = compare(nb, *files)
            s = doc["summary"]
            per.append({"pair": name, "exit": code, "points": s["points"],
                        "keys": s["matched_keys"], "flagged": s["regressions"],
                        "warnings": s["warnings"], "improvements": s["improvements"],
                        "samples_per_point": s["samples"] / s["points"],
                        "worker_s_per_point": worker_s(rs) / s["points"],
                        "analysis_s_per_point": secs / s["points"],
                        "misses": [p["params"] for p in doc["points"]
                                   if truth != "none" and p["verdict"] != "regression"]})
        result["ab"][label] = {"truth": truth, "comparisons": per}
    result["wall_s"] = walls
    if (out / "runs" / "old-aa1").exists():
        result["control"] = {}
        for order in ("old", "new"):
            for label, (truth, pairs) in {
                "A/A": ("none", [(f"{order}-aa1", f"{order}-aa2")]),
                "+10 %": ("+10 %", [(f"{order}-{a}", f"{order}-{b}") for b in ("s110", "s110b")
                                    for a in ("aa1", "aa2")]),
            }.items():
                per = []
                for a, b in pairs:
                    da, db = run_dir(out, a), run_dir(out, b)
                    doc, code, secs = compare(nb, da / "rows.jsonl", db / "rows.jsonl")
                    s = doc["summary"]
                    per.append({"pair": f"{a} vs {b}", "exit": code, "points": s["points"],
                                "keys": s["matched_keys"], "flagged": s["regressions"],
                                "warnings": s["warnings"], "improvements": s["improvements"],
                                "misses": [p["params"] for p in doc["points"]
                                           if truth != "none" and p["verdict"] != "regression"]})
                result["control"][f"{order} order {label}"] = {"truth": truth, "comparisons": per}
        result["wall_s"]["control"] = [run_facts(run_dir(out, n))[0] for n in CONTROL]
    (out / "evaluation.json").write_text(json.dumps(result, indent=1))
    print_tables(result)


def print_tables(res):
    modes = [m for m in ("compare", "ab", "control") if m in res]
    print("| mode | true change | comparisons | points (keys) | flagged | rate | exiting 1 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mode in modes:
        for label, block in res[mode].items():
            c = block["comparisons"]
            pts = sum(x["points"] for x in c)
            keys = sum(x["keys"] for x in c)
            fl = sum(x["flagged"] for x in c)
            ex = sum(1 for x in c if x["exit"] == 1)
            rates = [100 * x["flagged"] / x["points"] for x in c]
            name = f"{mode}: {label}" if mode == "control" else mode
            print(f"| {name} | {block['truth']} | {len(c)} | {pts} ({keys}) | {fl} | "
                  f"{100 * fl / pts:.1f} % ({min(rates):.0f}–{max(rates):.0f} %) | {ex} / {len(c)} |")
    print()
    print("| comparison | flagged | warnings | improvements | samples/point | worker s/point "
          "| analysis s/point | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode in ("compare", "ab"):
        for label, block in res[mode].items():
            for x in block["comparisons"]:
                print(f"| {mode} {label} {x['pair']} | {x['flagged']} | {x['warnings']} | "
                      f"{x['improvements']} | {x['samples_per_point']:.0f} | "
                      f"{x['worker_s_per_point']:.3f} | {x['analysis_s_per_point']:.4f} | "
                      f"{x['exit']} |")
    print()
    for mode, w in res["wall_s"].items():
        print(f"wall per {mode} run: {min(w):.1f}–{max(w):.1f} s "
              f"(median {statistics.median(w):.1f}, {len(w)} runs)")
    for mode in modes:
        for label, block in res[mode].items():
            for x in block["comparisons"]:
                if x["misses"]:
                    print(f"misses {mode} {label} {x['pair']}: {' '.join(x['misses'])}")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("measure", "evaluate"):
        sys.exit(__doc__)
    out = Path(sys.argv[2]).resolve()
    if sys.argv[1] == "measure":
        steps = sys.argv[3:] or list(STEPS)
        if steps == ["control"]:
            steps = list(CONTROL)
        unknown = [s for s in steps if s not in ALL_STEPS]
        if unknown:
            sys.exit(f"unknown step(s) {' '.join(unknown)}; valid steps: control "
                     f"{' '.join(ALL_STEPS)}")
        measure(out, steps)
    else:
        evaluate(out)


if __name__ == "__main__":
    main()
