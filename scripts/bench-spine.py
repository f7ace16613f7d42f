#!/usr/bin/env python3
"""Spine benchmarks (issue #2), measured with nbench itself on a release build.

1. Orchestration overhead per attempt: 200 `calib.sleep ms=0` attempts, serial (one slot);
   (nbench's total wall - the sum of the workers' own wall) / attempts.
2. peak_rss - baseline_rss against the truth for `calib.alloc` 16, 64, 256 and 1024 MiB.

Usage: cargo build --release --bins && python3 scripts/bench-spine.py > reports/spine.md
"""
import json, pathlib, statistics, subprocess, sys, tempfile, time

NB = pathlib.Path(__file__).resolve().parent.parent / "target" / "release" / "nbench"
FAST = ["--warmup", "0.01", "--min-samples", "5", "--time-cap", "0.05"]


def run(args):
    store = tempfile.mkdtemp(prefix="nbench-bench-")
    cmd = [str(NB), "run", "--store", store] + args
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    (run_dir,) = pathlib.Path(store).iterdir()
    rows = [json.loads(l) for l in (run_dir / "rows.jsonl").open()]
    return cmd, wall, rows


def overhead():
    args = ["--family", "calib", "--match", "calib.sleep", "--param", "ms=0", "--repeat", "50"] + FAST
    print("## Orchestration overhead per attempt\n")
    print("Command (run 3 times):\n")
    print("    nbench run " + " ".join(args) + "\n")
    print("| run | attempts | nbench wall (s) | Σ worker wall (s) | overhead / attempt (ms) | median worker wall (ms) |")
    print("|---|---|---|---|---|---|")
    per = []
    for i in range(3):
        _, wall, rows = run(args)
        ws = [r["worker"]["wall_s"] for r in rows]
        o = (wall - sum(ws)) / len(rows) * 1e3
        per.append(o)
        print(f"| {i+1} | {len(rows)} | {wall:.3f} | {sum(ws):.3f} | {o:.2f} | {statistics.median(ws)*1e3:.1f} |")
    print(f"\nMedian overhead: **{statistics.median(per):.2f} ms per attempt** (includes nbench's own start-up, "
          "asking the worker for its catalogue, the fsync of every row and the manifest).\n")


def alloc():
    print("## peak_rss − baseline_rss against the truth (`calib.alloc`)\n")
    print("    nbench run --family calib --match calib.alloc --param mib=16,64,256,1024 " + " ".join(FAST) + "\n")
    _, _, rows = run(["--family", "calib", "--match", "calib.alloc", "--param", "mib=16,64,256,1024"] + FAST)
    print("| MiB | seed | peak_rss − baseline_rss (MiB) | error | peak_alloc (MiB) | ru_maxrss bound (MiB) |")
    print("|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r["params"]["mib"], r["seed"])):
        m = r["metrics"]
        mib = r["params"]["mib"]
        d = (m["peak_rss"] - m["baseline_rss"]) / 2**20
        bound = r["worker"].get("max_rss_bound", 0) / 2**20
        print(f"| {mib} | {r['seed']} | {d:.2f} | {(d - mib) / mib * 100:+.2f} % | {m['peak_alloc'] / 2**20:.2f} | {bound:.1f} |")
    print()


if __name__ == "__main__":
    host = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
    print("# Spine benchmarks\n")
    print(f"Measured on {time.strftime('%Y-%m-%d')} on this project's 2-core machine ({host}), release build, "
          "with `python3 scripts/bench-spine.py` (see the script for the exact commands).\n")
    overhead()
    alloc()
